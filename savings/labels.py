"""What each savings reference means, in the reader's language (stored rows keep only the key)."""
from flask_babel import lazy_gettext as _l

from savings.models import CURRENT_RATES, INDIVIDUAL_TIER, OFFICE_COST

REFERENCE_NAMES = {
    INDIVIDUAL_TIER: _l("同じ単価表で自区の数量だけを買った場合"),
    CURRENT_RATES: _l("入札前の現行単価で同じ使用量を買った場合"),
    OFFICE_COST: _l("共同調達の運営費負担金（単独調達では生じない費用として削減額から差し引く）"),
}


def reference_name(kind: str) -> str:
    return str(REFERENCE_NAMES.get(kind, kind))
