from datetime import date, datetime, time, timezone

import pytest
from hypothesis import given, strategies as st

from catalog.textsearch import search_key
from procure.jpcalendar import (
    TOKYO, add_business_days, default_delivery_date, fiscal_year, is_business_day, month_bounds,
    next_business_day, order_received_on)


def jst(*args):
    return datetime(*args, tzinfo=TOKYO)


@pytest.mark.parametrize("day, expected", [
    (date(2026, 11, 20), True),    # Friday
    (date(2026, 11, 21), False),   # Saturday
    (date(2026, 11, 23), False),   # 勤労感謝の日 (Monday)
    (date(2026, 12, 28), True),    # last office day of the year
    (date(2026, 12, 29), False), (date(2026, 12, 31), False),
    (date(2027, 1, 1), False), (date(2027, 1, 3), False),
    (date(2027, 1, 4), True),
    (date(2026, 5, 4), False), (date(2026, 5, 6), False),  # Golden Week incl. substitute holiday
])
def test_business_days(day, expected):
    assert is_business_day(day) is expected


def test_next_business_day_skips_weekend_holiday_and_closure():
    assert next_business_day(date(2026, 11, 20)) == date(2026, 11, 24)  # Fri -> Tue (23rd holiday)
    assert next_business_day(date(2026, 12, 28)) == date(2027, 1, 4)
    assert add_business_days(date(2026, 11, 20), 2) == date(2026, 11, 25)


def test_cutoff_decides_the_day_an_order_counts_as_received():
    assert order_received_on(jst(2026, 11, 19, 14, 59)) == date(2026, 11, 19)
    assert order_received_on(jst(2026, 11, 19, 15, 0)) == date(2026, 11, 20)
    assert order_received_on(jst(2026, 11, 21, 10, 0)) == date(2026, 11, 24)  # Saturday


def test_default_delivery_date_uses_tokyo_time_not_utc():
    # 2026-11-19 05:30 UTC = 14:30 JST on Thursday: before the cut-off -> Friday.
    assert default_delivery_date(datetime(2026, 11, 19, 5, 30, tzinfo=timezone.utc)) == date(2026, 11, 20)
    # 2026-11-19 06:30 UTC = 15:30 JST: after the cut-off -> received Friday -> Tuesday 24th.
    assert default_delivery_date(datetime(2026, 11, 19, 6, 30, tzinfo=timezone.utc)) == date(2026, 11, 24)
    assert default_delivery_date(jst(2026, 12, 28, 9, 0)) == date(2027, 1, 4)
    assert default_delivery_date(jst(2026, 11, 19, 9, 0), lead_time_days=3) == date(2026, 11, 25)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1),
                    timezones=st.just(timezone.utc)))
def test_default_delivery_is_always_a_later_business_day(moment):
    delivery = default_delivery_date(moment)
    assert is_business_day(delivery)
    assert delivery > moment.astimezone(TOKYO).date()


def test_fiscal_year_runs_april_to_march():
    assert fiscal_year(date(2026, 4, 1)) == 2026
    assert fiscal_year(date(2027, 3, 31)) == 2026
    assert fiscal_year(date(2026, 3, 31)) == 2025
    assert month_bounds(2026, 12) == (date(2026, 12, 1), date(2027, 1, 1))


@pytest.mark.parametrize("typed", ["ボールペン", "ﾎﾞｰﾙﾍﾟﾝ", "ぼーるぺん", "ボール ペン"])
def test_search_key_finds_substring_in_any_kana_form(typed):
    assert search_key(typed) in search_key("油性ボールペン黒　0.7mm")


def test_search_key_folds_width_and_case():
    assert search_key("ＡＢＣ－１２３") == search_key("abc-123")
    assert search_key("４９０１２３４５６７８９４") == "4901234567894"


def test_a_due_date_on_a_bank_holiday_moves_back_to_the_bank_business_day_before():
    from datetime import date

    from invoicing.service import due_date_for
    from procure.jpcalendar import bank_business_day_on_or_before, is_bank_business_day

    assert not is_bank_business_day(date(2026, 12, 31)) and is_bank_business_day(date(2026, 12, 30))
    assert not is_bank_business_day(date(2027, 1, 1)) and not is_bank_business_day(date(2027, 1, 11))  # 成人の日
    assert bank_business_day_on_or_before(date(2027, 1, 3)) == date(2026, 12, 30)
    assert due_date_for(date(2026, 12, 2)) == date(2026, 12, 30)  # 30 days later is 1/1: the bank's last day of 2026
    assert due_date_for(date(2026, 11, 30)) == date(2026, 12, 30)  # a Wednesday: unchanged
    assert due_date_for(date(2026, 10, 31)) == date(2026, 11, 30)  # 11/30 is a Monday
    assert due_date_for(date(2026, 9, 30)) == date(2026, 10, 30)  # 10/30 Friday
    assert due_date_for(date(2026, 10, 2)) == date(2026, 10, 30)  # 11/1 is a Sunday: back to Friday


def test_japanese_era_dates():
    from datetime import date, datetime, timezone

    from procure.formatting import wareki

    assert wareki(date(2026, 12, 6)) == "令和8年12月6日"
    assert (wareki(date(2019, 5, 1)), wareki(date(2019, 4, 30))) == ("令和元年5月1日", "平成31年4月30日")
    assert wareki(datetime(2026, 12, 31, 15, 30, tzinfo=timezone.utc)) == "令和9年1月1日"  # Tokyo's date


def test_bank_business_days_ahead():
    from datetime import date

    from procure.jpcalendar import add_bank_business_days

    assert add_bank_business_days(date(2026, 12, 4), 1) == date(2026, 12, 7)  # Friday -> Monday
    assert add_bank_business_days(date(2026, 12, 6), 0) == date(2026, 12, 7)  # a Sunday: the next one
    assert add_bank_business_days(date(2026, 12, 30), 1) == date(2027, 1, 4)  # over 12/31-1/3
