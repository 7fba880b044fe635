"""Browser sessions that end on the server (procure.auth.models.UserSession): a copied cookie is
worthless once its session was signed out, or once the user's password changed."""
from __future__ import annotations

import secrets

from sqlalchemy import select, update

from procure import uow
from procure.auth.models import UserSession, hash_token
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.models import User


@uow.use_case
def start(user: User) -> str:
    """A new session for `user`: the token for the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=hash_token(token)))
    db.session.flush()
    return token


def is_live(token: str | None, user_id: int) -> bool:
    if not token:
        return False
    row = db.session.scalar(select(UserSession).filter_by(token_hash=hash_token(token)))
    return row is not None and row.user_id == user_id and row.ended_at is None


@uow.use_case
def end(token: str | None) -> None:
    if token:
        db.session.execute(update(UserSession).where(UserSession.token_hash == hash_token(token),
                                                     UserSession.ended_at.is_(None)).values(ended_at=utcnow()))


@uow.use_case
def end_all(user_id: int) -> int:
    """End every open session of the user (a password change, a deactivated account)."""
    result = db.session.execute(update(UserSession).where(UserSession.user_id == user_id,
                                                          UserSession.ended_at.is_(None)).values(ended_at=utcnow()))
    return result.rowcount
