"""Background job states (pure).

The runner (the system) starts, finishes and fails a job; a job whose worker died (its lease
ran out) goes back to the queue while it has attempts left, else fails with the reason; its owner
may cancel it while it waits or runs (a running job stops at its next progress report) and run a
failed or cancelled job again."""
from __future__ import annotations

from procure.statemachine import (OFFICE, SYSTEM, VENDOR, WARD_APPROVER, WARD_INSPECTOR, WARD_STAFF, StateMachine,
                                  Transition)

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
# Any user may cancel or run again a job of their own (the office any job): who owns it is
# checked where the job is looked up (procure.job_views), as for every other entity.
USERS = frozenset({WARD_STAFF, WARD_APPROVER, WARD_INSPECTOR, OFFICE, VENDOR})

JOB = StateMachine(
    name="ジョブ",
    states={QUEUED: "待機中", RUNNING: "実行中", DONE: "完了", FAILED: "失敗", CANCELLED: "取消"},
    initial=frozenset({QUEUED}),
    transitions=(
        Transition("start", frozenset({QUEUED}), RUNNING, frozenset({SYSTEM})),
        Transition("finish", frozenset({RUNNING}), DONE, frozenset({SYSTEM})),
        Transition("fail", frozenset({RUNNING}), FAILED, frozenset({SYSTEM})),
        Transition("requeue", frozenset({RUNNING}), QUEUED, frozenset({SYSTEM})),
        Transition("cancel", frozenset({QUEUED, RUNNING}), CANCELLED, USERS | {SYSTEM}),
        Transition("retry", frozenset({FAILED, CANCELLED}), QUEUED, USERS),
    ),
    terminal=frozenset({DONE}),
)

MACHINES = (JOB,)
