"""One unit of work: the request or the job owns the transaction, never a service.

Services only `flush()`. The request wrapper (`init_app`), the job runner and CLI commands call
`finish()` once: commit when the work succeeded, roll back otherwise. Use cases are wrapped in
`@use_case`: when one raises, everything it (and its request) flushed is rolled back before the
error reaches the caller, so a view that catches a domain error and renders it can never commit
half of a use case.

Where an early commit is really needed (a payment claimed before Stripe is called, the outcome of
that call kept although the use case then reports an error, a failed sign-in counted although the
answer is 401) it goes through `checkpoint(reason)`: named, logged, and the only other place
that commits. Work to do only once the data is committed (handing a job to a worker) is
registered with `on_commit`.
"""
from __future__ import annotations

import contextvars
import functools
import logging

from procure.extensions import db

log = logging.getLogger(__name__)

# How deep we are in nested use cases: only the outermost rolls back.
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("use_case_depth", default=0)
_CALLBACKS = "uow_on_commit"


def use_case(func):
    """A service function that writes: all-or-nothing. On any exception the session is rolled back
    (by the outermost use case only) and the exception goes on to the caller."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        token = _depth.set(_depth.get() + 1)
        try:
            return func(*args, **kwargs)
        except BaseException:
            if _depth.get() == 1:
                rollback()
            raise
        finally:
            _depth.reset(token)

    return wrapper


def on_commit(callback) -> None:
    """Run `callback()` once the current unit of work has committed (dropped on rollback)."""
    db.session.info.setdefault(_CALLBACKS, []).append(callback)


def _run_callbacks() -> None:
    for callback in db.session.info.pop(_CALLBACKS, []):
        callback()


def rollback() -> None:
    db.session.info.pop(_CALLBACKS, None)
    db.session.rollback()


def _commit() -> None:
    db.session.commit()
    _run_callbacks()


def finish(success: bool) -> None:
    """End the unit of work: commit on success, roll back otherwise. Called by the request
    wrapper, the job runner and CLI commands, nowhere else."""
    if success:
        _commit()
    else:
        rollback()


def checkpoint(reason: str) -> None:
    """An explicit early commit inside a unit of work. `reason` says why it cannot wait (it is
    logged); everything flushed so far becomes permanent."""
    log.debug("checkpoint: %s", reason)
    _commit()


class unit:
    """A unit of work for code outside a request (CLI commands, scripts, tests that act as a
    request would): `with uow.unit(): ...` commits at the end, rolls back on an exception."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        finish(exc_type is None)
        return False


def init_app(app) -> None:
    """Every request is one unit of work: committed when the answer is a success (< 400),
    rolled back on an error answer or an exception."""

    @app.after_request
    def _finish_request(response):
        finish(response.status_code < 400)
        return response

    @app.teardown_request
    def _rollback_on_exception(exc):
        if exc is not None:
            rollback()
