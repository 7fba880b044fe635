"""How a purchase may be procured (pure): 一般競争入札 is the rule; 指名競争入札 and 随意契約 only on
the grounds the law gives. The amounts under which 随意契約 is allowed for being small
(地方自治法施行令 第167条の2 第1項第1号, 別表第5, the 市町村 column that applies to the special wards)
are data with the date they took effect, so a revision is one more row."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

OPEN, SELECTIVE, LIMITED = "open", "selective", "limited"   # OCDS procurementMethod codes
METHOD_NAMES = {OPEN: "一般競争入札", SELECTIVE: "指名競争入札", LIMITED: "随意契約"}
SMALL_AMOUNT_GROUND = "令167の2①一"  # 随意契約 because the amount is small
GROUNDS = {
    SMALL_AMOUNT_GROUND: "地方自治法施行令第167条の2第1項第1号（予定価格が規則で定める額以下）",
    "令167の2①二": "同第2号（性質又は目的が競争入札に適しない）",
    "令167の2①五": "同第5号（緊急の必要により競争入札に付することができない）",
    "令167の2①六": "同第6号（競争入札に付することが不利と認められる）",
    "令167の2①八": "同第8号（競争入札に付し入札者がないとき、又は再度の入札に付し落札者がないとき）",
    "令167": "地方自治法施行令第167条（指名競争入札: 性質又は目的が一般競争入札に適しない等）",
}

# kinds of contract in 別表第5
GOODS, LEASE, OTHER = "goods", "lease", "other"
KIND_NAMES = {GOODS: "財産の買入れ", LEASE: "物件の借入れ", OTHER: "その他"}
# (effective from, {kind: largest 予定価格 for 随意契約 by 第1号}), newest last
SMALL_AMOUNT_LIMITS = (
    (date(1982, 4, 1), {GOODS: Decimal(800_000), LEASE: Decimal(400_000), OTHER: Decimal(500_000)}),
    (date(2025, 4, 1), {GOODS: Decimal(1_500_000), LEASE: Decimal(800_000), OTHER: Decimal(1_000_000)}),
)


class MethodError(ValueError):
    pass


@dataclass(frozen=True)
class Method:
    method: str = OPEN
    ground: str | None = None   # a key of GROUNDS: required for 指名競争入札 and 随意契約

    def describe(self) -> str:
        return METHOD_NAMES[self.method] + (f"（{GROUNDS[self.ground]}）" if self.ground else "")


def small_amount_limit(kind: str, on: date) -> Decimal:
    limits = [table for start, table in SMALL_AMOUNT_LIMITS if start <= on]
    if not limits:
        raise MethodError(f"{on} に有効な限度額がありません")
    return limits[-1][kind]


def checked(method: str, ground: str | None, kind: str, estimated: Decimal | None, on: date) -> Method:
    """The method, refused with the reason where the law does not allow it."""
    if method not in METHOD_NAMES:
        raise MethodError("調達方法を選んでください")
    if method == OPEN:
        return Method(OPEN)
    if not ground or ground not in GROUNDS:
        raise MethodError(f"{METHOD_NAMES[method]}にはその根拠（地方自治法施行令の条項）を選んでください")
    if method == SELECTIVE and ground != "令167":
        raise MethodError("指名競争入札の根拠は地方自治法施行令第167条です")
    if method == LIMITED and ground == "令167":
        raise MethodError("随意契約の根拠は地方自治法施行令第167条の2の各号です")
    if ground == SMALL_AMOUNT_GROUND:
        limit = small_amount_limit(kind, on)
        if estimated is None:
            raise MethodError("少額の随意契約には予定価格を入れてください（限度額と比べます）")
        if estimated > limit:
            raise MethodError(f"予定価格 {estimated:,.0f} 円は{KIND_NAMES[kind]}の少額随意契約の限度額 {limit:,.0f} 円"
                              f"（{on:%Y-%m-%d} 時点、別表第5）を超えています。競争入札に付してください")
    return Method(method, ground)


def competition_required(kind: str, estimated: Decimal, on: date) -> bool:
    """Whether an estimated amount is beyond what may be bought by 随意契約 for being small."""
    return estimated > small_amount_limit(kind, on)


def competition_warning(method: Method, kinds: tuple[str, ...], estimated: Decimal | None, on: date) -> str | None:
    """A method other than 一般競争入札 for an amount that would otherwise require competition under
    any of the contract's kinds (別表第5): the law allows it on its ground, which must be documented."""
    kind = next((k for k in kinds if estimated is not None and competition_required(k, estimated, on)), None)
    if method.method == OPEN or kind is None:
        return None
    return (f"予定価格 {estimated:,.0f} 円は{KIND_NAMES[kind]}の少額随意契約の限度額 {small_amount_limit(kind, on):,.0f} 円"
            f"（別表第5）を超えます。{METHOD_NAMES[method.method]}とした理由（{GROUNDS[method.ground]}）を記録に残してください")
