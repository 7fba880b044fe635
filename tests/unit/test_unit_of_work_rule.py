"""The transaction belongs to the request or the job: no service or view commits.

Read as source (ast), so it holds for code paths no other test reaches.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [p for p in ("procure", "catalog", "tenders", "invoicing", "deliveries") if (ROOT / p).is_dir()]
# The one module that commits: the request wrapper, the job runner and CLI units call it.
COMMITTER = "procure/uow.py"
# Connections of their own that commit at once: job progress, outside the job's unit of work.
OWN_CONNECTION = {"procure/jobs/runner.py"}
# Early commits that cannot wait for the end of the unit, each named by its reason.
CHECKPOINT_USERS = {"invoicing/payments.py", "procure/auth/service.py", "catalog/versions.py",
                    "invoicing/batch.py", "invoicing/documents.py"}  # the batch: each PDF kept as made


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _calls(tree, attribute):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attribute:
            yield node


def test_nothing_commits_outside_the_unit_of_work_module():
    found = [f"{name}:{call.lineno}" for name, tree in _sources() if name != COMMITTER
             for call in _calls(tree, "commit")]
    assert not found, f"commit() outside {COMMITTER} (use uow.checkpoint or let the request commit): {found}"


def test_no_connection_of_its_own_writes_outside_the_job_runner():
    found = [f"{name}:{call.lineno}" for name, tree in _sources() if name not in OWN_CONNECTION
             for call in _calls(tree, "begin")
             if isinstance(call.func.value, ast.Attribute) and call.func.value.attr == "engine"]
    assert not found, f"engine.begin() outside the job runner: {found}"


def test_every_checkpoint_is_named_and_known():
    seen = set()
    for name, tree in _sources():
        for call in _calls(tree, "checkpoint"):
            if name == COMMITTER:
                continue
            seen.add(name)
            assert name in CHECKPOINT_USERS, f"{name}:{call.lineno}: a new early commit; add it here with a reason"
            reason = call.args[0] if call.args else None
            assert isinstance(reason, ast.Constant) and isinstance(reason.value, str) and len(reason.value) > 15, \
                f"{name}:{call.lineno}: a checkpoint says why it cannot wait"
    assert seen == CHECKPOINT_USERS, f"checkpoints no longer used in {CHECKPOINT_USERS - seen}: drop them here"


def test_no_bare_session_rollback():
    """Rolling back goes through uow.rollback(), which also drops the work queued for the commit
    (jobs to hand to a worker); use cases roll back by themselves when they raise."""
    found = [f"{path}:{call.lineno}" for path, tree in _sources() if path != COMMITTER
             for call in _calls(tree, "rollback")
             if isinstance(call.func.value, ast.Attribute) and call.func.value.attr == "session"]
    assert not found, f"session.rollback() outside the unit of work: {found}"
