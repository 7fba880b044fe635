"""When a purchase may be a 随意契約 and when it must be put out to tender (別表第5, 市町村)."""
from datetime import date
from decimal import Decimal

import pytest

from procure.procurement_method import (GOODS, LEASE, LIMITED, OPEN, OTHER, SELECTIVE, SMALL_AMOUNT_GROUND,
                                        MethodError, checked, competition_required, small_amount_limit)


@pytest.mark.parametrize("kind, before, after", [(GOODS, 800_000, 1_500_000), (LEASE, 400_000, 800_000),
                                                 (OTHER, 500_000, 1_000_000)])
def test_the_limits_changed_on_1_april_2025(kind, before, after):
    assert small_amount_limit(kind, date(2025, 3, 31)) == before
    assert small_amount_limit(kind, date(2025, 4, 1)) == after


def test_a_small_purchase_may_be_a_limited_contract_up_to_the_limit_and_not_beyond():
    on = date(2026, 12, 1)
    assert checked(LIMITED, SMALL_AMOUNT_GROUND, GOODS, Decimal(1_500_000), on).method == LIMITED
    with pytest.raises(MethodError, match="限度額 1,500,000 円.*競争入札に付してください"):
        checked(LIMITED, SMALL_AMOUNT_GROUND, GOODS, Decimal(1_500_001), on)
    with pytest.raises(MethodError, match="予定価格を入れてください"):
        checked(LIMITED, SMALL_AMOUNT_GROUND, LEASE, None, on)
    assert competition_required(LEASE, Decimal(800_001), on) and not competition_required(LEASE, Decimal(800_000), on)


def test_other_methods_need_their_own_legal_ground():
    on = date(2026, 12, 1)
    assert checked(OPEN, None, GOODS, None, on).describe() == "一般競争入札"
    with pytest.raises(MethodError, match="根拠"):
        checked(SELECTIVE, None, GOODS, None, on)
    with pytest.raises(MethodError, match="第167条です"):
        checked(SELECTIVE, SMALL_AMOUNT_GROUND, GOODS, None, on)
    assert checked(LIMITED, "令167の2①二", GOODS, Decimal(10 ** 9), on).describe().startswith("随意契約（同第2号")
