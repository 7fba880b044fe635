"""Rows that support authentication: API tokens and failed sign-in attempts."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from procure.dbtypes import UTCDateTime, utcnow
from procure.extensions import db
from procure.models import User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """Bearer token; only its SHA-256 is stored, so a database leak reveals no tokens."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()

    @classmethod
    def issue(cls, user: User, hours: int) -> tuple[ApiToken, str]:
        token = secrets.token_urlsafe(32)
        row = cls(user=user, token_hash=hash_token(token),
                  expires_at=utcnow() + timedelta(hours=hours))
        return row, token

    def usable(self, now: datetime) -> bool:
        return not self.revoked and now < self.expires_at and self.user.active


class LoginFailure(db.Model):
    __tablename__ = "login_failure"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(45), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class UserSession(db.Model):
    """A signed-in browser session, so that it can end on the server: sign-out ends it, a password
    change ends all of the user's. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
