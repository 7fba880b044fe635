"""Procurement methods and their legal grounds in the reader's language, for pages. The Japanese
in `procure.procurement_method` stays the wording of documents (契約書, 開札調書) and of OCDS."""
from flask_babel import lazy_gettext as _l

from procure.procurement_method import LIMITED, OPEN, SELECTIVE, Method

METHOD_LABELS = {OPEN: _l("一般競争入札"), SELECTIVE: _l("指名競争入札"), LIMITED: _l("随意契約")}
GROUND_LABELS = {
    "令167の2①一": _l("地方自治法施行令第167条の2第1項第1号（予定価格が規則で定める額以下）"),
    "令167の2①二": _l("同第2号（性質又は目的が競争入札に適しない）"),
    "令167の2①五": _l("同第5号（緊急の必要により競争入札に付することができない）"),
    "令167の2①六": _l("同第6号（競争入札に付することが不利と認められる）"),
    "令167の2①八": _l("同第8号（競争入札に付し入札者がないとき、又は再度の入札に付し落札者がないとき）"),
    "令167": _l("地方自治法施行令第167条（指名競争入札: 性質又は目的が一般競争入札に適しない等）"),
}


def method_label(method: Method) -> str:
    ground = f"（{GROUND_LABELS[method.ground]}）" if method.ground else ""
    return f"{METHOD_LABELS[method.method]}{ground}"
