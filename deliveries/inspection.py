"""Inspection rules (検収, pure): what an inspector's entry for one delivered line must satisfy."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

NOTE_NUMBER_LENGTH = 40  # 納品書番号, as stored
REASON_LENGTH = 500


@dataclass(frozen=True)
class InspectionEntry:
    delivery_line_id: int
    accepted: int
    rejected: int
    reason: str | None = None


def clean_text(text: str | None) -> str:
    return (text or "").strip()


def entry_problems(description: str, delivered: int, entry: InspectionEntry) -> list[str]:
    """Accepted + rejected must equal what was delivered; a rejection needs a reason."""
    problems = []
    if entry.accepted < 0 or entry.rejected < 0 or entry.accepted + entry.rejected != delivered:
        problems.append(f"「{description}」: 合格数 {entry.accepted} と不合格数 {entry.rejected} の"
                        f"合計を納品数 {delivered} にしてください")
    if entry.rejected > 0 and not clean_text(entry.reason):
        problems.append(f"「{description}」: 不合格の理由を入力してください")
    return problems


def delivery_date_problem(delivered_on: date, today: date, requested: date | None = None) -> str | None:
    """A delivery note is dated the day the goods arrive: never later than today, except up to
    the delivery date the order asked for (a delivery registered for a scheduled drop)."""
    latest = max(today, requested) if requested else today
    if delivered_on <= latest:
        return None
    if requested and requested > today:
        return f"納品日 {delivered_on:%Y-%m-%d} は注文の納品希望日 {requested:%Y-%m-%d} より後です"
    return f"納品日 {delivered_on:%Y-%m-%d} は未来の日付です。納品した日を入力してください"


def inspection_date_problem(delivered_on: date, today: date) -> str | None:
    """Goods are inspected once they have arrived: not before the delivery date."""
    if today < delivered_on:
        return f"納品日 {delivered_on:%Y-%m-%d} より前には検収できません"
    return None
