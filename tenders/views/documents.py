"""Documents of a tender that offices file: the 契約書 of each ward contract, the 開札調書."""
from __future__ import annotations

from decimal import Decimal

from flask import Response

from procure.extensions import db
from procure.models import WARD_ROLES, Role, document_date_style
from procure.money import TaxLine, tax_summary
from procure.pdf import render_pdf
from sqlalchemy import select

from procure.permissions import allow, get_owned_or_404, public
from procure.procurement_method import Method
from tenders.models import Contract, Tender
from tenders.views.common import bp


@bp.get("/tender-contracts/<int:contract_id>/contract.pdf")
@allow(*WARD_ROLES, Role.VENDOR, Role.OFFICE)
def contract_pdf(contract_id):
    """契約書 of one ward contract, for its ward, its vendor and the office."""
    contract = get_owned_or_404(Contract, contract_id)
    tender = db.session.get(Tender, contract.tender_id)
    taxed = [TaxLine(Decimal(str(line["amount"])), Decimal(str(line.get("tax_rate") or "0.10")).quantize(Decimal("0.01")))
             for line in contract.lines]
    tax = sum((bucket.tax for bucket in tax_summary(taxed).values()), Decimal(0))
    lot_name = next((lot.name for lot in tender.lots if lot.code == contract.lot_code), "") if contract.lot_code else ""
    body = render_pdf("pdf/contract.html", contract=contract, tender=tender, tax=tax, lot_name=lot_name,
                      date_style=document_date_style(contract.ward_id),
                      method=Method(tender.procurement_method, tender.procurement_ground).describe())
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="contract_{contract.id}.pdf"'})


@bp.get("/tenders/<int:tender_id>/opening-record.pdf")
@public
def opening_record_pdf(tender_id):
    """開札調書 as the document the office files: per lot, every bidder's evaluated price and
    result, the 予定価格, the winner and 落札率; public once the bids are opened, like its page."""
    from flask import abort

    from procure.dbtypes import utcnow
    from procure.models import User
    from tenders import lifecycle, service
    from tenders.models import Award, Bid
    from tenders.views.common import tender_or_404

    tender = tender_or_404(tender_id)
    schedule = service.tender_schedule(tender)
    if schedule is None or not lifecycle.can_read_bids(tender.status, utcnow(), schedule):
        abort(404)
    bids = db.session.scalars(select(Bid).filter_by(tender_id=tender.id, status="active")
                              .order_by(Bid.submitted_at, Bid.id)).all()
    awards = {a.lot_code: a for a in db.session.scalars(select(Award).filter_by(tender_id=tender.id))}
    lots = []
    for code, name in [("", "案件全体")] + [(lot.code, f"ロット {lot.code} {lot.name}") for lot in tender.lots]:
        rows = [{"vendor": b.vendor.name, "submitted": b.submitted_at, "price": e.evaluated_price, "valid": e.valid,
                 "reasons": "、".join(e.invalid_reasons or []), "receipt": b.receipt,
                 "won": code in awards and awards[code].bid_id == b.id}
                for b in bids for e in b.evaluations if e.lot_code == code]
        if rows or code in awards or (not tender.lots and not code):
            lots.append({"name": name, "rows": sorted(rows, key=lambda r: (r["price"] is None, r["price"] or 0)),
                         "ceiling": service.lot_ceiling(tender, code), "award": awards.get(code)})
    officer, witness = (db.session.get(User, i) if i else None
                        for i in (tender.opening_requested_by_id, tender.opening_witness_id))
    body = render_pdf("pdf/opening_record.html", tender=tender, lots=lots, officer=officer, witness=witness,
                      method=Method(tender.procurement_method, tender.procurement_ground).describe())
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="opening_record_{tender.id}.pdf"'})
