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
_EACH = "uow_each_use_case"


def use_case(func):
    """A service function that writes: all-or-nothing. On any exception the session is rolled back
    (by the outermost use case only) and the exception goes on to the caller."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        token = _depth.set(_depth.get() + 1)
        try:
            result = func(*args, **kwargs)
            if _depth.get() == 1:
                if db.session.info.get(_EACH):
                    _commit()  # a series of user actions: each one its own unit
                else:
                    db.session.flush()
                # Read afresh next time (within the same transaction), so that the next use
                # case sees every row it flushed, relationships included.
                db.session.expire_all()
            return result
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
    """A unit of work for code outside a request (CLI commands, scripts, tests that act as users
    would): `with uow.unit(): ...` commits at the end, rolls back on an exception.

    `each_use_case=True` makes the block a series of user actions, as a script of requests would
    be: every outermost use case commits when it succeeds and rolls back alone when it fails."""

    def __init__(self, each_use_case: bool = False):
        self.each_use_case = each_use_case

    def __enter__(self):
        if self.each_use_case:
            db.session.info[_EACH] = True
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            finish(exc_type is None)
        finally:
            db.session.info.pop(_EACH, None)
        return False


def init_app(app) -> None:
    """Every request is one unit of work: committed when the answer is a success (< 400) and no
    error was reported to the user (a flashed "error" message), rolled back otherwise or on an
    exception. Work that must outlive a failed request goes through `checkpoint`."""
    from flask import g, message_flashed

    def _note_error(_sender, message, category, **_extra):
        if category == "error":
            g.uow_error_reported = True

    message_flashed.connect(_note_error, app, weak=False)

    @app.after_request
    def _finish_request(response):
        finish(response.status_code < 400 and not g.pop("uow_error_reported", False))
        return response

    @app.teardown_request
    def _rollback_on_exception(exc):
        if exc is not None:
            rollback()
