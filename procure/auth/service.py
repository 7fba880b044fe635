"""Credential checks shared by the sign-in page and the token API.

Throttling: after LOGIN_MAX_FAILURES wrong passwords for one e-mail address (or
four times as many from one IP address) within LOGIN_LOCK_MINUTES, further
attempts are refused until the window has passed — even with the right password,
so that guessing cannot be confirmed.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from procure import audit, uow
from procure.auth import sessions
from procure.auth.models import ApiToken, LoginFailure
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.models import User


class Throttled(Exception):
    pass


def _window_start():
    return utcnow() - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])


def _too_many(email: str, ip: str) -> bool:
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    since = _window_start()
    by_email = db.session.scalar(
        select(func.count()).where(LoginFailure.email == email, LoginFailure.at >= since))
    by_ip = db.session.scalar(
        select(func.count()).where(LoginFailure.ip == ip, LoginFailure.at >= since))
    return by_email >= limit or by_ip >= limit * 4


@uow.use_case
def check_credentials(email: str, password: str, ip: str, channel: str) -> User | None:
    """The active user with these credentials, or None; raises Throttled when locked.

    A failure is kept by a checkpoint: it must be remembered even though the request fails.
    """
    email = (email or "").strip().lower()
    if _too_many(email, ip):
        raise Throttled()
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or not user.active or not user.check_password(password or ""):
        db.session.add(LoginFailure(email=email, ip=ip))
        audit.record(db.session, "sign_in_failed", "user_account", after={"email": email, "ip": ip, "channel": channel})
        uow.checkpoint("a failed sign-in is counted although the request fails")
        return None
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    token = audit.set_actor(user.id, user.email)
    try:
        audit.record(db.session, "sign_in", "user_account", user.id, after={"ip": ip, "channel": channel})
    finally:
        audit.reset_actor(token)
    db.session.flush()
    return user


class WrongPassword(ValueError):
    pass


@uow.use_case
def set_new_password(user: User, current: str, new_password: str) -> int:
    """A new password, given the current one (WrongPassword otherwise). Every session of the user
    and every API token issued under the old password end: how many sessions ended."""
    if not user.check_password(current or ""):
        raise WrongPassword("現在のパスワードが正しくありません。")
    user.set_password(new_password)
    audit.record(db.session, "password_changed", "user_account", user.id)
    ended = sessions.end_all(user.id)
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
                       .values(revoked=True))
    db.session.flush()
    return ended
