"""What OCDS may show of one tender, read from the database into `ocds.Process` (plain values).
Bids and ceilings only once they may be read; event times from the tender's audited changes."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from procure.audit import AuditLog
from procure.codes import local_government_corporate_number
from procure.extensions import db
from procure.procurement_method import Method
from tenders import lifecycle, ocds, service
from tenders.models import Award, Bid, Contract, FacilityDemandLine, PcDemandLine, Tender


def process_of(tender: Tender, now: datetime) -> ocds.Process:
    opened = tender.opening_at is not None and lifecycle.can_read_bids(tender.status, now,
                                                                       service.tender_schedule(tender))
    active = (db.session.scalars(select(Bid).filter_by(tender_id=tender.id, status="active").order_by(Bid.id)).all()
              if opened else [])
    bids = [{"vendor_id": b.vendor_id, "vendor_name": b.vendor.name, "lot": e.lot_code, "price": e.evaluated_price,
             "valid": e.valid} for b in active for e in b.evaluations] if opened else None
    awards = db.session.scalars(select(Award).filter_by(tender_id=tender.id).order_by(Award.lot_code)).all()
    contracts = db.session.scalars(select(Contract).filter_by(tender_id=tender.id).order_by(Contract.id)).all()
    vendors = {}
    for vendor in [*(b.vendor for b in active), *(a.vendor for a in awards)]:
        vendors[vendor.id] = {"name": vendor.name, "corporate_number": vendor.corporate_number,
                              "address": vendor.head_office_address, "prefecture": vendor.head_office_prefecture}
    published, ended = _milestones(tender)
    return ocds.Process(
        tender={"id": tender.id, "title": tender.title, "kind": tender.kind, "status": tender.status,
                "method": tender.evaluation_method, "ceiling": tender.ceiling_price if opened else None,
                "procurement_method": tender.procurement_method,
                "procurement_method_details": Method(tender.procurement_method, tender.procurement_ground).describe(),
                "bidding_opens": tender.bidding_opens, "bidding_closes": tender.bidding_closes,
                "opening_at": tender.opening_at, "contract_starts": tender.contract_starts,
                "contract_ends": tender.contract_ends, "items": _items(tender)},
        wards=[{"code": tw.ward.code, "name": tw.ward.name_ja,
                "corporate_number": local_government_corporate_number(tw.ward.code)} for tw in tender.wards],
        vendors=vendors, bids=bids,
        awards=[{"lot": a.lot_code, "vendor_id": a.vendor_id, "price": a.price, "date": a.awarded_at} for a in awards],
        lots=[{"code": lot.code, "name": lot.name, "ceiling": lot.ceiling_price if opened else None}
              for lot in tender.lots],
        contracts=[{"id": c.id, "lot": c.lot_code, "ward_code": c.ward.code, "ward_name": c.ward.name_ja,
                    "vendor_id": c.vendor_id, "amount": c.amount, "date": c.signed_at,
                    "amendments": [{"id": a.id, "date": a.amended_at, "item": a.item, "from_quantity": a.from_quantity,
                                    "to_quantity": a.to_quantity, "amount_before": a.amount_before,
                                    "amount_after": a.amount_after, "rationale": a.rationale}
                                   for a in c.amendments]}
                   for c in contracts],
        published_at=published or tender.created_at,
        opened_at=tender.opening_at if opened else None, ended=ended)


def _milestones(tender: Tender) -> tuple[datetime | None, tuple[str, datetime] | None]:
    """When the tender was published and when it ended (cancelled or no valid bid), from the
    audit log of its status changes."""
    published = ended = None
    for at, after in db.session.execute(select(AuditLog.at, AuditLog.after)
                                        .filter_by(entity="tender", entity_id=str(tender.id)).order_by(AuditLog.id)):
        status = (after or {}).get("status")
        if status == lifecycle.PUBLISHED and published is None:
            published = at
        if status in (lifecycle.CANCELLED, lifecycle.NO_VALID_BID):
            ended = (status, at)
    return published, ended


def _items(tender: Tender) -> list[dict]:
    """What is bought: each pattern or item with the wards' total quantity, or for electricity
    each voltage class with the planned kWh of a year."""
    if tender.kind == "electricity":
        planned: dict[str, Decimal] = {}
        for line in db.session.scalars(select(FacilityDemandLine).filter_by(tender_id=tender.id)):
            planned[line.voltage] = planned.get(line.voltage, Decimal(0)) + sum(Decimal(k) for k in line.planned_kwh)
        return [{"id": f"voltage-{voltage}", "description": f"電力供給（{voltage}）", "unit": "kWh",
                 "quantity": float(kwh)} for voltage, kwh in sorted(planned.items())]
    demand = dict(db.session.execute(select(PcDemandLine.pattern_code, func.sum(PcDemandLine.quantity))
                                     .where(PcDemandLine.tender_id == tender.id)
                                     .group_by(PcDemandLine.pattern_code)).all())
    return [{"id": p.code, "description": p.name, "unit": p.unit, "quantity": int(demand.get(p.code) or 0),
             **({"classification": {"scheme": "CPV", "id": p.cpv}} if p.cpv else {})}
            for p in tender.patterns]
