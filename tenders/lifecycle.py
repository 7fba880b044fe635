"""The lifecycle of a pooled tender (pure): explicit transitions, each allowed to one role at the
right time by the server's clock. Cancellation and "no valid bid" end it from any open state."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DRAFT, DEMAND, PUBLISHED, QUESTIONS, BIDDING, OPENED, EVALUATION, AWARDED, CONTRACTED, COMPLETED = (
    "draft", "demand_collection", "published", "questions", "bidding", "opened", "evaluation", "awarded",
    "contracted", "completed")
CANCELLED, NO_VALID_BID = "cancelled", "no_valid_bid"
TERMINAL = frozenset({COMPLETED, CANCELLED, NO_VALID_BID})

OFFICE, WARD, VENDOR = "office", "ward", "vendor"


@dataclass(frozen=True)
class Schedule:
    bidding_opens: datetime
    bidding_closes: datetime   # deadline: bids until, not at, this moment
    opening_at: datetime       # sealed bids can be read from this moment on

    def __post_init__(self):
        if not self.bidding_opens < self.bidding_closes <= self.opening_at:
            raise ValueError("入札期間の開始 < 締切 <= 開札日時 にしてください")


# action -> (from states, to state, role)
TRANSITIONS = {
    "open_demand": ({DRAFT}, DEMAND, OFFICE),
    "publish": ({DEMAND}, PUBLISHED, OFFICE),
    "open_questions": ({PUBLISHED}, QUESTIONS, OFFICE),
    "open_bidding": ({PUBLISHED, QUESTIONS}, BIDDING, OFFICE),
    "open_bids": ({BIDDING}, OPENED, OFFICE),
    "start_evaluation": ({OPENED}, EVALUATION, OFFICE),
    "award": ({EVALUATION}, AWARDED, OFFICE),
    "make_contracts": ({AWARDED}, CONTRACTED, OFFICE),
    "complete": ({CONTRACTED}, COMPLETED, OFFICE),
    "cancel": (set(), CANCELLED, OFFICE),            # from any state not terminal
    "no_valid_bid": ({OPENED, EVALUATION}, NO_VALID_BID, OFFICE),
}
# What other actors may do, and in which states.
ACTIVITIES = {
    "join_demand": ({DEMAND}, WARD),           # a ward joins while demand collection is open
    "next_round": ({DEMAND}, OFFICE),          # a further call (追加募集): wards joining now are its round
    "enter_demand": ({DEMAND}, WARD),
    "ask_question": ({PUBLISHED, QUESTIONS}, VENDOR),
    "answer_question": ({QUESTIONS}, OFFICE),
    "submit_bid": ({BIDDING}, VENDOR),
    "withdraw_bid": ({BIDDING}, VENDOR),
    "change_quantity": ({CONTRACTED}, WARD),
}


class LifecycleError(ValueError):
    pass


def next_state(state: str, action: str, role: str, now: datetime, schedule: Schedule | None) -> str:
    """The state after `action`, or LifecycleError saying why not."""
    if action not in TRANSITIONS:
        raise LifecycleError(f"不明な操作です: {action}")
    sources, target, allowed_role = TRANSITIONS[action]
    if role != allowed_role:
        raise LifecycleError("この操作は共同調達組織だけが行えます")
    if state in TERMINAL:
        raise LifecycleError("終了した入札案件は変更できません")
    if sources and state not in sources:
        raise LifecycleError(f"状態「{state}」からは「{action}」できません")
    if action == "open_bidding" and (schedule is None or now < schedule.bidding_opens):
        raise LifecycleError("入札期間の開始日時前です")
    if action == "open_bids" and (schedule is None or now < schedule.opening_at):
        raise LifecycleError("開札日時前は開札できません")
    return target


def available(state: str) -> list[str]:
    """The office's transitions that the state allows (the time is checked when one is taken)."""
    if state in TERMINAL:
        return []
    return [action for action, (sources, _, _) in TRANSITIONS.items() if not sources or state in sources]


def may(activity: str, state: str, role: str, now: datetime, schedule: Schedule | None) -> None:
    """Raise LifecycleError unless `role` may do `activity` now."""
    states, allowed_role = ACTIVITIES[activity]
    if role != allowed_role:
        raise LifecycleError("この操作を行う権限がありません")
    if state not in states:
        raise LifecycleError(f"状態「{state}」では行えません")
    if activity in ("submit_bid", "withdraw_bid"):
        if schedule is None or not schedule.bidding_opens <= now < schedule.bidding_closes:
            raise LifecycleError("入札期間外です（サーバーの時刻で判定）")


def can_read_bids(state: str, now: datetime, schedule: Schedule) -> bool:
    """Sealed bids are decrypted only once opened, and never before the opening time."""
    return state in (OPENED, EVALUATION, AWARDED, CONTRACTED, COMPLETED, NO_VALID_BID) and now >= schedule.opening_at
