"""Public pages: awarded results and the OCDS release."""
from __future__ import annotations


from flask import abort, jsonify, render_template, request
from sqlalchemy import select

from procure.dbtypes import utcnow
from procure.extensions import db
from procure.models import User
from procure.permissions import public
from tenders import lifecycle, ocds, service
from tenders.models import Award, Bid, Contract, Tender
from tenders.service.awarding import seal_broken
from tenders.views.common import tender_or_404, bp


@bp.get("/tenders/results")
@public
def results():
    awards = [(t, a, next((lot.name for lot in t.lots if lot.code == a.lot_code), ""),
               service.lot_ceiling(t, a.lot_code))
              for t, a in db.session.execute(select(Tender, Award).join(Award, Award.tender_id == Tender.id)
                                             .order_by(Award.awarded_at.desc(), Award.lot_code))]
    ended = db.session.scalars(select(Tender).where(Tender.status.in_((lifecycle.NO_VALID_BID,
                                                                       lifecycle.CANCELLED)))).all()
    return render_template("tenders/results.html", awards=awards, ended=ended)


@bp.get("/tenders/<int:tender_id>/ocds.json")
@public
def ocds_release(tender_id):
    tender = tender_or_404(tender_id)
    if tender.status in (lifecycle.DRAFT, lifecycle.DEMAND):
        abort(404)
    return jsonify(_package([_release_of(tender, utcnow())]))


@bp.get("/tenders/ocds.json")
@public
def ocds_bulk():
    """Every public tender's release in one package (a data portal's bulk download)."""
    now = utcnow()
    tenders = db.session.scalars(select(Tender).where(Tender.status.not_in((lifecycle.DRAFT, lifecycle.DEMAND)))
                                 .order_by(Tender.id).limit(1000)).all()
    return jsonify(_package([_release_of(t, now) for t in tenders]))


def _package(releases: list[dict]) -> dict:
    return {"uri": request.url, "publishedDate": utcnow().isoformat(), "version": "1.1",
            "extensions": list(ocds.EXTENSIONS), "publisher": {"name": "特別区共同調達組織"}, "releases": releases}


def _release_of(tender: Tender, now) -> dict:
    from flask import current_app
    from sqlalchemy import func

    from procure.procurement_method import Method
    from tenders.models import PcDemandLine

    opened = tender.opening_at is not None and lifecycle.can_read_bids(tender.status, now, service.tender_schedule(tender))
    bids = None
    if opened:
        bids = [{"vendor_id": b.vendor_id, "vendor_name": b.vendor.name, "lot": e.lot_code, "price": e.evaluated_price,
                 "valid": e.valid, "reasons": e.invalid_reasons}
                for b in db.session.scalars(select(Bid).filter_by(tender_id=tender.id, status="active").order_by(Bid.id))
                for e in b.evaluations]
    awards = db.session.scalars(select(Award).filter_by(tender_id=tender.id).order_by(Award.lot_code)).all()
    contracts = db.session.scalars(select(Contract).filter_by(tender_id=tender.id).order_by(Contract.id)).all()
    demand = dict(db.session.execute(select(PcDemandLine.pattern_code, func.sum(PcDemandLine.quantity))
                                     .where(PcDemandLine.tender_id == tender.id)
                                     .group_by(PcDemandLine.pattern_code)).all())
    items = [{"id": p.code, "description": p.name, "unit": p.unit, "quantity": int(demand.get(p.code) or 0)}
             for p in tender.patterns]
    return ocds.release(
        {"id": tender.id, "title": tender.title, "kind": tender.kind, "status": tender.status,
         "method": tender.evaluation_method, "ceiling": tender.ceiling_price if opened else None,
         "procurement_method": tender.procurement_method,
         "procurement_method_details": Method(tender.procurement_method, tender.procurement_ground).describe(),
         "bidding_opens": tender.bidding_opens.isoformat() if tender.bidding_opens else None,
         "bidding_closes": tender.bidding_closes.isoformat() if tender.bidding_closes else None,
         "opening_at": tender.opening_at.isoformat() if tender.opening_at else None, "items": items},
        [{"code": tw.ward.code, "name": tw.ward.name_ja} for tw in tender.wards], bids,
        [{"lot": a.lot_code, "vendor_id": a.vendor_id, "vendor_name": a.vendor.name, "price": a.price,
          "award_rate": a.award_rate, "date": a.awarded_at.isoformat()} for a in awards],
        _last_change(tender, awards, contracts, opened),
        [{"code": lot.code, "name": lot.name, "ceiling": lot.ceiling_price if opened else None} for lot in tender.lots],
        [{"id": c.id, "lot": c.lot_code, "ward_code": c.ward.code, "ward_name": c.ward.name_ja, "amount": c.amount,
          "date": c.signed_at.isoformat() if c.signed_at else None} for c in contracts],
        prefix=current_app.config.get("OCDS_OCID_PREFIX") or ocds.OCID_PREFIX)


def _last_change(tender, awards, contracts, opened: bool):
    """When what the release shows last changed: the tender's last audited change, an award, a
    contract, or the opening that made the bids public. The release's id and date follow it, so
    fetching the same state twice gives the same release."""
    from sqlalchemy import func

    from procure.audit import AuditLog

    audited = db.session.scalar(select(func.max(AuditLog.at)).filter_by(entity="tender", entity_id=str(tender.id)))
    moments = [tender.created_at, audited, *(a.awarded_at for a in awards), *(c.signed_at for c in contracts),
               tender.opening_at if opened else None]
    return max(m for m in moments if m is not None)


@bp.get("/tenders/<int:tender_id>/opening-record")
@public
def opening_record(tender_id):
    """開札調書: once the bids are opened, every bid submitted with its receipt, so that each bidder
    can check that the receipt it was given is the one its opened bid hashed to."""
    tender = tender_or_404(tender_id)
    schedule = service.tender_schedule(tender)
    if schedule is None or not lifecycle.can_read_bids(tender.status, utcnow(), schedule):
        abort(404)
    bids = db.session.scalars(select(Bid).filter_by(tender_id=tender.id).order_by(Bid.submitted_at, Bid.id)).all()
    officer, witness = (db.session.get(User, i) if i else None
                        for i in (tender.opening_requested_by_id, tender.opening_witness_id))
    return render_template("tenders/opening_record.html", tender=tender, bids=bids, seal_broken=seal_broken,
                           officer=officer, witness=witness)

