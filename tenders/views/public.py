"""Public pages: awarded results and the OCDS release."""
from __future__ import annotations


from flask import abort, jsonify, render_template, request, url_for
from sqlalchemy import select

from procure.dbtypes import utcnow
from procure.extensions import db
from procure.models import User
from procure.permissions import public
from tenders import lifecycle, ocds, service
from tenders.models import Award, Bid, Tender
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
    """Every release of one tender, one per event (a release package)."""
    return jsonify(_package("releases", _releases_of(_public_tender(tender_id), utcnow())))


@bp.get("/tenders/<int:tender_id>/ocds/record.json")
@public
def ocds_record(tender_id):
    """The tender's OCDS record: its releases and the compiled release (a record package)."""
    return jsonify(_package("records", [ocds.record(_releases_of(_public_tender(tender_id), utcnow()))]))


BULK_PAGE = 100


@bp.get("/tenders/ocds.json")
@public
def ocds_bulk():
    """Every public tender's releases (a data portal's bulk download), 100 tenders a page
    (`?page=N`, the next page in the Link header), so that one request costs a bounded amount."""
    now = utcnow()
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1
    tenders = db.session.scalars(select(Tender).where(Tender.status.not_in((lifecycle.DRAFT, lifecycle.DEMAND)))
                                 .order_by(Tender.id).offset((page - 1) * BULK_PAGE).limit(BULK_PAGE + 1)).all()
    response = jsonify(_package("releases", [r for t in tenders[:BULK_PAGE] for r in _releases_of(t, now)]))
    if len(tenders) > BULK_PAGE:
        response.headers["Link"] = f'<{url_for("tenders.ocds_bulk", page=page + 1, _external=True)}>; rel="next"'
    return response


def _public_tender(tender_id: int) -> Tender:
    tender = tender_or_404(tender_id)
    if tender.status in (lifecycle.DRAFT, lifecycle.DEMAND):
        abort(404)
    return tender


def _package(kind: str, items: list[dict]) -> dict:
    return {"uri": request.url, "publishedDate": utcnow().isoformat(), "version": "1.1",
            "extensions": list(ocds.EXTENSIONS), "publisher": {"name": "特別区共同調達組織"}, kind: items}


def _releases_of(tender: Tender, now) -> list[dict]:
    """The tender's releases as published: served once, a release stays as it was (the request
    commits the ones published now)."""
    from flask import current_app

    from tenders.ocds_archive import published_releases

    return published_releases(tender, now, current_app.config.get("OCDS_OCID_PREFIX") or ocds.OCID_PREFIX)


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

