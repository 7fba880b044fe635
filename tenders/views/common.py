"""Shared by the tender pages: the blueprint, parsing Japan-time input, loading a tender."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Blueprint, abort
from flask_babel import gettext as _
from sqlalchemy import select

from procure.extensions import db
from procure.jpcalendar import TOKYO
from procure.models import Ward
from tenders import lifecycle
from tenders.models import FacilityDemandLine, PcDemandLine, Tender, TenderQuestion

bp = Blueprint("tenders", __name__)
OFFICE_ACTIONS = ("open_demand", "publish", "open_questions", "open_bidding", "make_contracts", "complete",
                  "cancel")
OPEN_FOR_VENDORS = (lifecycle.PUBLISHED, lifecycle.QUESTIONS, lifecycle.BIDDING)


def parse_local_time(text: str, label: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=TOKYO)
    except ValueError:
        raise ValueError(_("%(label)s: 日時を入力してください", label=label)) from None


def tender_or_404(tender_id: int) -> Tender:
    tender = db.session.get(Tender, tender_id)
    if tender is None:
        abort(404)
    return tender


def tender_questions(tender):
    return db.session.scalars(select(TenderQuestion).filter_by(tender_id=tender.id)
                              .order_by(TenderQuestion.asked_at)).all()


def facility_demand_rows(tender: Tender) -> list[tuple[str, str, int, Decimal, Decimal]]:
    """Electricity demand by ward and voltage class: facilities, contract kW, planned kWh a year."""
    totals: dict[tuple[str, str], list] = {}
    for ward, f in db.session.execute(select(Ward.name_ja, FacilityDemandLine).join(
            Ward, Ward.id == FacilityDemandLine.ward_id).where(FacilityDemandLine.tender_id == tender.id)):
        row = totals.setdefault((ward, f.voltage), [0, Decimal(0), Decimal(0)])
        row[0] += 1
        row[1] += f.contract_kw
        row[2] += sum((Decimal(k) for k in f.planned_kwh), Decimal(0))
    return [(ward, voltage, *row) for (ward, voltage), row in sorted(totals.items())]


def pc_demand_rows(tender: Tender) -> list[tuple]:
    """PC (or item) demand by ward, pattern, options and lease term: what bidders price."""
    rows = db.session.execute(
        select(Ward.name_ja, PcDemandLine.pattern_code, PcDemandLine.options, PcDemandLine.lease_months,
               PcDemandLine.quantity).join(Ward, Ward.id == PcDemandLine.ward_id)
        .where(PcDemandLine.tender_id == tender.id).order_by(Ward.name_ja, PcDemandLine.pattern_code, PcDemandLine.id))
    totals: dict[tuple, int] = {}
    for ward, pattern, options, lease, quantity in rows:
        key = (ward, pattern, "・".join(options), lease)
        totals[key] = totals.get(key, 0) + quantity
    return [(*key, quantity) for key, quantity in totals.items()]
