"""Documents of a tender a ward files: the 契約書 of each ward contract."""
from __future__ import annotations

from decimal import Decimal

from flask import Response

from procure.extensions import db
from procure.models import WARD_ROLES, Role
from procure.money import TaxLine, tax_summary
from procure.pdf import render_pdf
from procure.permissions import allow, get_owned_or_404
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
                      method=Method(tender.procurement_method, tender.procurement_ground).describe())
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="contract_{contract.id}.pdf"'})
