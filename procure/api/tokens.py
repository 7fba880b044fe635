"""Bearer tokens for the API."""
from sqlalchemy import select

from procure.auth.models import ApiToken, hash_token
from procure.dbtypes import utcnow
from procure.extensions import db


def user_from_bearer(header: str):
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = current_token_row(header)
    if row is None or not row.usable(utcnow()):
        return None
    return row.user


def current_token_row(header: str) -> ApiToken | None:
    _, _, token = (header or "").partition(" ")
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token.strip())))
