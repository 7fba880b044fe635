"""Shared by the tender pages: the blueprint, parsing Japan-time input, loading a tender."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort
from flask_babel import gettext as _
from sqlalchemy import select

from procure.extensions import db
from procure.jpcalendar import TOKYO
from tenders import lifecycle
from tenders.models import Tender, TenderQuestion

bp = Blueprint("tenders", __name__)
OFFICE_ACTIONS = ("open_demand", "publish", "open_questions", "open_bidding", "make_contracts", "complete",
                  "cancel")
OPEN_FOR_VENDORS = (lifecycle.PUBLISHED, lifecycle.QUESTIONS, lifecycle.BIDDING)


def _local(text: str, label: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=TOKYO)
    except ValueError:
        raise ValueError(_("%(label)s: 日時を入力してください", label=label)) from None


def _tender_or_404(tender_id: int) -> Tender:
    tender = db.session.get(Tender, tender_id)
    if tender is None:
        abort(404)
    return tender


def _questions(tender):
    return db.session.scalars(select(TenderQuestion).filter_by(tender_id=tender.id)
                              .order_by(TenderQuestion.asked_at)).all()
