"""Background job states (pure): only the job runner (the system) starts, finishes or fails a job.

Only what the runner does today is here, so that every transition has a code path and an audit
row (tests/functional/test_audit_transitions.py). Putting a dead worker's job back in the queue
(requeue), failing a queued job and cancelling by its owner come with the durable queue (issue 12),
together with their code."""
from __future__ import annotations

from procure.statemachine import SYSTEM, StateMachine, Transition

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"

JOB = StateMachine(
    name="ジョブ",
    states={QUEUED: "待機中", RUNNING: "実行中", DONE: "完了", FAILED: "失敗"},
    initial=frozenset({QUEUED}),
    transitions=(
        Transition("start", frozenset({QUEUED}), RUNNING, frozenset({SYSTEM})),
        Transition("finish", frozenset({RUNNING}), DONE, frozenset({SYSTEM})),
        Transition("fail", frozenset({RUNNING}), FAILED, frozenset({SYSTEM})),
    ),
    terminal=frozenset({DONE, FAILED}),
)

MACHINES = (JOB,)
