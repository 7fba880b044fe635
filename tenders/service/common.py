"""Shared by the tender use cases: the error they raise, loading a tender, its schedule, the
lifecycle guard and the seal key."""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from procure import config
from procure.extensions import db
from procure.models import Role, User
from tenders import lifecycle, sealing
from tenders.models import GENERIC, PC, Tender, TenderWard


class TenderError(ValueError):
    pass


# PCs and generic goods are priced the same way: per spec pattern (or item) and its options.
ITEMIZED = (PC, GENERIC)


def seal_key_for(tender_id: int) -> bytes:
    """Derived from a master key kept outside the database and apart from SECRET_KEY
    (procure.config.tender_seal_key)."""
    settings = current_app.config
    # Read once per app and setting, not once per bid (the key may come from a file).
    cache = current_app.extensions.setdefault("tender_seal_master", {})
    setting = (settings.get("TENDER_SEAL_KEY"), settings.get("TENDER_SEAL_KEY_FILE"), settings.get("SECRET_KEY"))
    if setting not in cache:
        try:
            cache[setting] = hashlib.sha256(str(config.tender_seal_key(settings)).encode()).digest()
        except config.SealKeyError as exc:
            raise TenderError(str(exc)) from None
    return sealing.tender_key(cache[setting], tender_id)


def get_tender(tender_id: int) -> Tender:
    tender = db.session.get(Tender, tender_id)
    if tender is None:
        raise TenderError("入札案件が見つかりません")
    return tender


def tender_schedule(tender: Tender) -> lifecycle.Schedule | None:
    if not (tender.bidding_opens and tender.bidding_closes and tender.opening_at):
        return None
    return lifecycle.Schedule(tender.bidding_opens, tender.bidding_closes, tender.opening_at)


def lifecycle_role(user: User) -> str:
    """The user's side in the tender lifecycle: the office, a ward (any ward role) or a vendor."""
    if user.role == Role.OFFICE:
        return lifecycle.OFFICE
    return lifecycle.WARD if user.role.is_ward else lifecycle.VENDOR


def require_activity(activity: str, tender: Tender, user: User, now: datetime) -> None:
    """Refuse unless this user's side may do the activity in the tender's state, now."""
    try:
        lifecycle.may(activity, tender.status, lifecycle_role(user), now, tender_schedule(tender))
    except lifecycle.LifecycleError as exc:
        raise TenderError(str(exc)) from None


def require_participating(tender: Tender, ward_id: int) -> None:
    if not db.session.scalar(select(TenderWard.id).filter_by(tender_id=tender.id, ward_id=ward_id)):
        raise TenderError("この入札案件に参加していません")
