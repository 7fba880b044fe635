"""What a user sees when the database or another user got in the way: a clear answer, never 500.

- `state_guard.Conflict` (someone changed the entity first) and a unique or foreign-key race the
  service did not turn into its own message (IntegrityError): 409, "他の担当者が先に処理しました".
- Any other database error (connection lost, lock timeout, deadlock ...): 503, "保存できませんでした。
  変更はされていません。もう一度お試しください".
Both roll the unit of work back first (nothing is kept), are logged with the request id, and answer
JSON under /api/. Every response carries `X-Request-Id` (the caller's, when it sends a sane one),
and the error page shows it so that support can find the log line.
"""
from __future__ import annotations

import logging
import re
import uuid

from flask import g, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from procure import uow
from procure.state_guard import Conflict

log = logging.getLogger(__name__)
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id() -> str:
    if "request_id" not in g:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex[:16]
    return g.request_id


def _answer(status: int, message: str):
    from procure.api.errors import error_response
    from procure.permissions import is_api_request

    if is_api_request():
        response = error_response(status, message)
    else:
        response = render_template("errors/error.html", code=status, message=message,
                                   request_id=request_id()), status
    return response


def init_app(app) -> None:
    @app.before_request
    def _assign_request_id():
        request_id()

    @app.after_request
    def _send_request_id(response):
        response.headers.setdefault("X-Request-Id", request_id())
        return response

    @app.errorhandler(Conflict)
    def _conflict(exc: Conflict):
        uow.rollback()
        log.info("request %s: conflict on %s: %s", request_id(), exc.entity, request.path)
        return _answer(409, _("他の担当者が先に処理しました。画面を更新してください。"))

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _out_of_range(exc):
        # A number beyond what the database holds (an id typed into a form, a huge quantity):
        # the input's fault, not the server's.
        uow.rollback()
        log.info("request %s: value out of range on %s: %s", request_id(), request.path, exc)
        return _answer(422, _("入力された数値が大きすぎるか、範囲外です。変更はされていません。"))

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        uow.rollback()
        log.warning("request %s: integrity error on %s: %s", request_id(), request.path, exc.orig)
        return _answer(409, _("他の担当者が先に処理しました。変更はされていません。画面を更新してください。"))

    @app.errorhandler(DBAPIError)
    def _database_error(exc: DBAPIError):
        uow.rollback()
        log.error("request %s: database error on %s: %s", request_id(), request.path, exc.orig)
        return _answer(503, _("保存できませんでした。変更はされていません。もう一度お試しください。"))
