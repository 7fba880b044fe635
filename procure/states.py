"""Background job states (pure). Only the job runner (the system) starts, finishes, fails or
requeues a job; the user who started it (or the office) may cancel it.

A running job whose worker died (its lease ran out) is put back in the queue while it has
attempts left, otherwise failed with the reason; a cancel asked of a running job takes effect
at its next progress report."""
from __future__ import annotations

from procure.statemachine import OFFICE, SYSTEM, VENDOR, WARD_APPROVER, WARD_INSPECTOR, WARD_STAFF, StateMachine, \
    Transition

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
USERS = frozenset({WARD_STAFF, WARD_APPROVER, WARD_INSPECTOR, OFFICE, VENDOR})

JOB = StateMachine(
    name="ジョブ",
    states={QUEUED: "待機中", RUNNING: "実行中", DONE: "完了", FAILED: "失敗", CANCELLED: "取消"},
    initial=frozenset({QUEUED}),
    transitions=(
        Transition("start", frozenset({QUEUED}), RUNNING, frozenset({SYSTEM})),
        Transition("finish", frozenset({RUNNING}), DONE, frozenset({SYSTEM})),
        Transition("fail", frozenset({QUEUED, RUNNING}), FAILED, frozenset({SYSTEM})),
        Transition("requeue", frozenset({RUNNING}), QUEUED, frozenset({SYSTEM})),
        Transition("cancel", frozenset({QUEUED, RUNNING}), CANCELLED, USERS | {SYSTEM}),
    ),
    terminal=frozenset({DONE, FAILED, CANCELLED}),
)

MACHINES = (JOB,)
