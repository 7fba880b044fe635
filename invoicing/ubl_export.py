"""An invoice of the app as JP PINT UBL XML (invoicing.ubl does the XML)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from invoicing.models import Invoice
from invoicing.ubl import UblInvoice, UblLine, to_ubl_xml
from procure.codes import local_government_corporate_number
from procure.jpcalendar import month_bounds

STANDARD, REDUCED = Decimal("0.10"), Decimal("0.08")


def to_ubl(invoice: Invoice) -> UblInvoice:
    first, last = month_bounds(invoice.year, invoice.month)  # the month billed (ibg-14)
    last -= timedelta(days=1)
    amounts, taxes = {}, {}
    if invoice.amount_standard or invoice.tax_standard:
        amounts[STANDARD], taxes[STANDARD] = invoice.amount_standard, invoice.tax_standard
    if invoice.amount_reduced or invoice.tax_reduced:
        amounts[REDUCED], taxes[REDUCED] = invoice.amount_reduced, invoice.tax_reduced
    return UblInvoice(
        number=invoice.number, issue_date=invoice.issue_date, due_date=invoice.due_date,
        seller_name=invoice.vendor.name, seller_registration_number=invoice.vendor.invoice_registration_number,
        seller_address=invoice.vendor.head_office_address, buyer_name=invoice.ward.name_ja,
        buyer_address=invoice.facility.address if invoice.facility else invoice.ward.name_ja,
        buyer_reference=invoice.ward.code, order_reference=None,
        lines=[UblLine(line_id=str(line.line_no), description=line.description, quantity=line.quantity,
                       unit_code="H87", unit_price=line.unit_price, amount=line.amount,
                       rate=line.tax_rate.quantize(Decimal("0.01")),
                       order_line_ref=str(line.order_line_id) if line.order_line_id else None,
                       category=line.non_taxable_category)
               for line in invoice.lines],
        tax_by_rate=taxes, amount_by_rate=amounts, non_taxable_by_category=invoice.non_taxable_by_category,
        payable_amount=invoice.total,
        note=f"{invoice.year}年{invoice.month}月分",
        # Peppol addresses: the vendor's 法人番号 and the ward's (a local government has one)
        seller_endpoint=invoice.vendor.corporate_number, buyer_endpoint=local_government_corporate_number(invoice.ward.code),
        period_start=first, period_end=last)


def invoice_to_ubl(invoice: Invoice) -> bytes:
    return to_ubl_xml(to_ubl(invoice))
