"""A vendor's own invoice (JP PINT UBL XML or xlsx): checked against the qualified-invoice rules,
then matched like a generated one. A rejected upload stores nothing and says why."""
from __future__ import annotations

import unicodedata
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog.order_models import OrderLine
from invoicing import service
from invoicing.models import (CORRECTION_REQUESTED, UPLOADED_UBL, UPLOADED_XLSX, Invoice,
                              InvoiceLine)
from invoicing.tax import check_qualified_invoice
from procure.money import invoice_totals
from invoicing.ubl import UblError, UblInvoice, UblLine, parse_ubl_xml, ubl_to_qualified
from invoicing.xlsx_invoice import read_invoice_xlsx
from invoicing.states import INVOICE
from procure import audit, sheets, state_guard, uow
from procure.codes import local_government_code_of, normalize
from procure.routing import MAX_ID
from procure.extensions import db
from procure.models import User, Ward

STANDARD, REDUCED = Decimal("0.10"), Decimal("0.08")


class InvoiceUploadError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@uow.use_case
def upload_xlsx(vendor_user: User, data: bytes) -> Invoice:
    """An xlsx invoice: lines as written; the tax per rate is computed here, once per rate, with
    the vendor's rounding (the vendor's PDF of it is the app's own rendering)."""
    parsed, errors = read_invoice_xlsx(data)
    if errors:
        raise InvoiceUploadError(errors)
    vendor = vendor_user.vendor
    totals = invoice_totals(((line.amount, line.rate, line.category) for line in parsed.lines),
                            service.rounding_of(vendor.id))
    ward = db.session.scalar(select(Ward).filter_by(code=parsed.ward_code))
    doc = UblInvoice(
        number=parsed.number, issue_date=parsed.issue_date, due_date=None, seller_name=vendor.name,
        seller_registration_number=vendor.invoice_registration_number or "",
        seller_address=vendor.head_office_address, buyer_name=ward.name_ja if ward else "",
        buyer_address="", buyer_reference=parsed.ward_code, order_reference=None,
        lines=[UblLine(str(n), l.description, l.quantity, "H87", l.unit_price, l.amount, l.rate, l.order_line_ref,
                       l.category) for n, l in enumerate(parsed.lines, start=1)],
        tax_by_rate={r: b.tax for r, b in totals.by_rate.items()},
        amount_by_rate={r: b.taxable_amount for r, b in totals.by_rate.items()},
        non_taxable_by_category=totals.non_taxable, payable_amount=totals.total)
    return _store(vendor_user, doc, UPLOADED_XLSX)


@uow.use_case
def upload_ubl(vendor_user: User, data: bytes) -> Invoice:
    try:
        doc = parse_ubl_xml(data)
    except UblError as exc:
        raise InvoiceUploadError([str(exc)]) from None
    return _store(vendor_user, doc, UPLOADED_UBL)


NUMBER_LENGTH = 40  # Invoice.number


def _number_taken(number: str) -> str:
    return f"請求書番号 {number} は既に使われています"


def _buyer_ward(doc) -> Ward | None:
    """The ward billed: by its Peppol address (its 法人番号, as an access point routes the invoice),
    else by a local government code in BuyerReference (which may also hold a department's name)."""
    code = local_government_code_of(doc.buyer_endpoint or "")
    if code is None:
        code = normalize((doc.buyer_reference or "").strip())
    return db.session.scalar(select(Ward).filter_by(code=code)) if code else None


def _order_line_id(text: str | None) -> int | None:
    """An order line id as written on the invoice; anything else (a vendor's own code, a number
    too large for an id) matches no order line."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def _store(vendor_user: User, doc, source: str) -> Invoice:
    vendor = vendor_user.vendor
    rounding = service.rounding_of(vendor.id)
    errors = [v.message for v in check_qualified_invoice(ubl_to_qualified(doc, rounding))]
    if doc.seller_registration_number != vendor.invoice_registration_number:
        errors.append(f"発行者の登録番号 {doc.seller_registration_number} が貴社の登録番号 "
                      f"{vendor.invoice_registration_number} と一致しません")
    if doc.seller_endpoint and normalize(doc.seller_endpoint) != vendor.corporate_number:
        errors.append(f"発行者の電子アドレス（cbc:EndpointID）{doc.seller_endpoint} が貴社の法人番号 "
                      f"{vendor.corporate_number} と一致しません")
    ward = _buyer_ward(doc)
    if ward is None:
        errors.append("宛先の区が分かりません: 買い手の電子アドレス（cbc:EndpointID、scheme 0188 に区の法人番号）か "
                      f"BuyerReference（地方公共団体コード）で区を示してください（{doc.buyer_endpoint!r}、"
                      f"{doc.buyer_reference!r}）")
    if len(doc.number) > NUMBER_LENGTH:
        errors.append(f"請求書番号は {NUMBER_LENGTH} 文字以内にしてください（{len(doc.number)} 文字あります）")
    elif db.session.scalar(select(Invoice.id).filter_by(vendor_id=vendor.id, number=doc.number)):
        errors.append(_number_taken(doc.number))
    for number, line in enumerate(doc.lines, start=1):
        if len(line.description) > 200:
            errors.append(f"{number}行目の品名は 200 文字以内にしてください（{len(line.description)} 文字あります）")
        problem = sheets.control_problem(line.description)
        if problem:
            errors.append(f"{number}行目の品名: {problem}")
    if errors:
        raise InvoiceUploadError(errors)
    year, month = doc.issue_date.year, doc.issue_date.month
    replaced = db.session.scalar(select(Invoice).filter_by(vendor_id=vendor.id, ward_id=ward.id, year=year,
                                                            month=month, status=CORRECTION_REQUESTED))
    if replaced is not None:
        state_guard.step(replaced, INVOICE, "supersede", vendor_user.role.value)
        audit.audited_update(InvoiceLine, InvoiceLine.invoice_id == replaced.id, values={"live": False})
    invoice = Invoice(number=doc.number, vendor_id=vendor.id, ward_id=ward.id, year=year, month=month,
                      issue_date=doc.issue_date, source=source, status="discrepancy", rounding=rounding,
                      due_date=doc.due_date or service.due_date_for(doc.issue_date),
                      amount_standard=doc.amount_by_rate.get(STANDARD, Decimal(0)),
                      tax_standard=doc.tax_by_rate.get(STANDARD, Decimal(0)),
                      amount_reduced=doc.amount_by_rate.get(REDUCED, Decimal(0)),
                      tax_reduced=doc.tax_by_rate.get(REDUCED, Decimal(0)),
                      amount_non_taxable=sum(doc.non_taxable_by_category.values(), Decimal(0)), total=doc.payable_amount,
                      supersedes_id=replaced.id if replaced else None, created_by_id=vendor_user.id)
    refs = {ref for ref in (_order_line_id(l.order_line_ref) for l in doc.lines) if ref is not None}
    known = set(db.session.scalars(select(OrderLine.id).where(
        OrderLine.id.in_(refs), OrderLine.vendor_id == vendor.id, OrderLine.ward_id == ward.id)))
    for number, line in enumerate(doc.lines, start=1):
        # Goods ordered here are taxed: a line outside the tax is never an order line's, so the
        # ward settles it by hand (accept, correction or credit) like any unmatched line.
        ref = _order_line_id(line.order_line_ref) if line.category is None else None
        invoice.lines.append(InvoiceLine(
            ward_id=ward.id, line_no=number, order_line_id=ref if ref in known else None,
            description=line.description, quantity=line.quantity, unit="", unit_price=line.unit_price,
            amount=line.amount, tax_rate=line.rate, non_taxable_category=line.category))
    db.session.add(invoice)
    try:
        db.session.flush()
    except IntegrityError:  # the same number stored by a request racing this one
        raise InvoiceUploadError([_number_taken(doc.number)]) from None
    service.match_invoice(invoice, vendor_user.role.value)
    db.session.flush()
    return invoice
