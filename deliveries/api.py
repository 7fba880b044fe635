"""Delivery API: the delivery note (納品書) PDF of any delivery, from a catalog order or a tender
contract. Registered on the /api/v1 blueprint."""
from __future__ import annotations

from flask import Response

from deliveries.models import Delivery
from procure.api import bp
from procure.models import WARD_ROLES, Role
from procure.pdf import render_pdf
from procure.permissions import allow, get_owned_or_404


@bp.get("/deliveries/<int:delivery_id>/note.pdf")
@bp.doc(summary="Delivery note (納品書) as PDF", responses={"200": {"description": "PDF", "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
@allow(*WARD_ROLES, Role.VENDOR, Role.OFFICE)
def api_delivery_note(delivery_id):
    """納品書 PDF of a delivery (the vendor's own, or one delivered to the caller's ward)."""
    delivery = get_owned_or_404(Delivery, delivery_id)
    return Response(render_pdf("pdf/delivery_note.html", delivery=delivery), mimetype="application/pdf")
