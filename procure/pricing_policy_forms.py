"""A pricing policy on pages: its labels in the reader's language and its form (shared by the
tender page, the pooled catalog items' page and the price simulator)."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from procure.pricing.policy import MAX_GROUPS_LIMIT, PricingPolicy
from procure.textnorm import parse_int

MAX_BREAKS = 20
MODE_LABELS = {"pooled": _l("全区共通単価（全区の合計数量の段階）"), "individual": _l("区別単価（各区の数量の段階）"),
               "grouped": _l("グループ別単価（数量の近い区をまとめ、グループの合計数量の段階）")}
ROUNDING_LABELS = {"down": _l("切り捨て"), "half_up": _l("四捨五入"), "up": _l("切り上げ")}


def describe(policy: PricingPolicy) -> str:
    """The policy in the reader's language (PricingPolicy.describe is the Japanese record)."""
    text = str(MODE_LABELS[policy.mode])
    if policy.mode == "grouped":
        text += (_("、区切り %(breaks)s", breaks="・".join(f"{b:,}" for b in policy.group_breaks))
                 if policy.group_breaks else _("、最大 %(n)s グループ", n=policy.max_groups))
    return text + _("、円未満%(rounding)s", rounding=ROUNDING_LABELS[policy.rounding])


def policy_from_form(form) -> PricingPolicy:
    """The form's policy; ValueError naming the field (full-width digits and 、 accepted)."""
    breaks_text = form.get("group_breaks", "").strip()
    parts = [p for p in re.split(r"[,、，\s]+", breaks_text) if p]
    if len(parts) > MAX_BREAKS:
        raise ValueError(_("グループの区切り: %(n)s 個までにしてください", n=MAX_BREAKS))
    breaks = tuple(parse_int(p, _("グループの区切り"), 1, 10 ** 9) for p in parts)
    max_groups = parse_int(form.get("max_groups", "").strip() or "3", _("グループ数の上限"), 1, MAX_GROUPS_LIMIT)
    return PricingPolicy(form.get("mode", ""), max_groups, breaks, form.get("rounding", "down"))
