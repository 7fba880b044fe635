"""Japanese public-office calendar: business days, order cut-off, fiscal years (pure)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday

TOKYO = ZoneInfo("Asia/Tokyo")
# Orders received by this time (JST) on a business day are delivered the next business day.
ORDER_CUTOFF = time(15, 0)


def in_year_end_closure(day: date) -> bool:
    """Ward offices close 12/29-1/3 (年末年始)."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not jpholiday.is_holiday(day) and not in_year_end_closure(day)


def is_bank_business_day(day: date) -> bool:
    """Banks close on weekends, holidays and 12/31-1/3 (銀行法施行令 第5条)."""
    return (day.weekday() < 5 and not jpholiday.is_holiday(day)
            and not ((day.month == 12 and day.day == 31) or (day.month == 1 and day.day <= 3)))


def bank_business_day_on_or_before(day: date) -> date:
    """A payment due on a bank holiday is made the bank business day before (never later)."""
    while not is_bank_business_day(day):
        day -= timedelta(days=1)
    return day


def add_bank_business_days(day: date, count: int) -> date:
    """The `count`-th bank business day after `day` (0: `day` itself if it is one, else the next)."""
    while not is_bank_business_day(day):
        day += timedelta(days=1)
    for _ in range(count):
        day += timedelta(days=1)
        while not is_bank_business_day(day):
            day += timedelta(days=1)
    return day


def next_business_day(day: date) -> date:
    """The first business day strictly after `day`."""
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, count: int) -> date:
    for _ in range(count):
        day = next_business_day(day)
    return day


def order_received_on(moment: datetime, cutoff: time = ORDER_CUTOFF) -> date:
    """The business day an order placed at `moment` (aware) counts as received."""
    local = moment.astimezone(TOKYO)
    day = local.date()
    if is_business_day(day) and local.time() < cutoff:
        return day
    return next_business_day(day)


def default_delivery_date(moment: datetime, lead_time_days: int = 1,
                          cutoff: time = ORDER_CUTOFF) -> date:
    """Next business day after the cut-off, or later for items with a longer lead time."""
    return add_business_days(order_received_on(moment, cutoff), max(1, lead_time_days))


def fiscal_year(day: date) -> int:
    """Japanese fiscal year (April-March), named by the year it starts: 2026-03-31 -> 2025."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First day of the month and first day of the next month."""
    start = date(year, month, 1)
    return start, date(year + (month == 12), month % 12 + 1, 1)


def parse_month(text: str | None, today: date) -> tuple[int, int]:
    """A `YYYY-MM` query value as (year, month); this month when it is missing or wrong."""
    try:
        year, month = (int(p) for p in (text or "").split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month
