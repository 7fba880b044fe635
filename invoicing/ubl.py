"""JP PINT invoices (Peppol International, Japan profile) as UBL 2.1 Invoice XML: write and read.

Writing follows the UBL 2.1 element order, with the JP PINT identifiers, JPY amounts (whole yen
without decimals), tax category S (10%) and AA (reduced 8%), and the seller's registration number
(T + 13 digits) as PartyTaxScheme/CompanyID under the VAT scheme. The tax per rate is written as
given (already rounded once per rate, see `invoicing.tax`); nothing here recomputes it.

Reading is for untrusted uploads: at most 5 MB, no DOCTYPE (so no entity declarations at all),
numbers as xsd:decimal only, every problem a `UblError` in Japanese naming the element. Content
the qualified-invoice rules judge (names, registration number, lines, totals) is read as written,
blank when absent, and left to `tax.check_qualified_invoice` through `ubl_to_qualified`.

Pure: stdlib only (plus `invoicing.tax`). No Flask, no database.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.parsers import expat

from invoicing import tax

CUSTOMIZATION_ID = "urn:peppol:pint:billing-1@jp-1"
PROFILE_ID = "urn:peppol:bis:billing"
INVOICE_TYPE_CODE = "380"
CURRENCY = "JPY"
COUNTRY = "JP"
TAX_SCHEME = "VAT"
DEFAULT_UNIT_CODE = "H87"  # UN/ECE rec 20: piece
MAX_BYTES = 5 * 1024 * 1024

NS = {"inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
# Written as <ubl:Invoice>: ElementTree's default-namespace output refuses plain attributes (currencyID).
for _prefix, _uri in (("ubl", NS["inv"]), ("cac", NS["cac"]), ("cbc", NS["cbc"])):
    ET.register_namespace(_prefix, _uri)

CATEGORY_BY_RATE = {tax.STANDARD_RATE: "S", tax.REDUCED_RATE: "AA"}
RATE_BY_CATEGORY = {code: rate for rate, code in CATEGORY_BY_RATE.items()}

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?")


class UblError(ValueError):
    """The document cannot be read as a JP PINT invoice; the message (Japanese) names the element."""

    def __init__(self, message: str, element: str | None = None):
        super().__init__(message)
        self.element = element


@dataclass
class UblLine:
    line_id: str                 # "1", "2"...
    description: str
    quantity: Decimal
    unit_code: str               # UN/ECE rec 20 code, "H87" (piece) by default
    unit_price: Decimal
    amount: Decimal              # line extension amount, whole yen, tax exclusive
    rate: Decimal                # Decimal("0.10") or Decimal("0.08")
    order_line_ref: str | None = None   # cac:OrderLineReference/cbc:LineID (our order line id)


@dataclass
class UblInvoice:
    number: str
    issue_date: date
    due_date: date | None
    seller_name: str
    seller_registration_number: str   # "T" + 13 digits
    seller_address: str
    buyer_name: str
    buyer_address: str
    buyer_reference: str | None       # e.g. the ward's local government code
    order_reference: str | None
    lines: list[UblLine]
    tax_by_rate: dict[Decimal, Decimal]      # consumption tax per rate, whole yen, rounded once per rate
    amount_by_rate: dict[Decimal, Decimal]   # taxable amount per rate (tax exclusive)
    payable_amount: Decimal                  # total including tax
    note: str | None = None


# --- writing ------------------------------------------------------------------------------

def _qname(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _el(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, _qname(name), attrs)
    element.text = text
    return element


def _number(value, field: str) -> str:
    """Decimal text: whole numbers without decimals ('310', not '310.00'); never from a float."""
    number = tax.decimal_value(value, field)
    if number == 0:
        return "0"
    if number == number.to_integral_value():
        return format(number.to_integral_value(), "f")
    return format(number, "f")


def _money(parent: ET.Element, name: str, value, field: str) -> ET.Element:
    return _el(parent, name, _number(value, field), currencyID=CURRENCY)


def _category_code(rate, field: str) -> str:
    try:
        return CATEGORY_BY_RATE[tax.supported_rate(tax.decimal_value(rate, field), field)]
    except tax.InvoiceRuleError as error:
        raise UblError(f"{field}: {error.reason}", field) from None


def _tax_category(parent: ET.Element, name: str, rate, field: str) -> None:
    category = _el(parent, name)
    _el(category, "cbc:ID", _category_code(rate, field))
    _el(category, "cbc:Percent", _number(tax.decimal_value(rate, field) * 100, field))
    _el(_el(category, "cac:TaxScheme"), "cbc:ID", TAX_SCHEME)


def _party(parent: ET.Element, role: str, name: str, address: str, registration: str | None = None) -> None:
    party = _el(_el(parent, role), "cac:Party")
    _el(_el(party, "cac:PartyName"), "cbc:Name", name or "")
    postal = _el(party, "cac:PostalAddress")
    _el(postal, "cbc:StreetName", address or "")  # PINT address line 1 (IBT-035 / IBT-050)
    _el(_el(postal, "cac:Country"), "cbc:IdentificationCode", COUNTRY)
    if registration is not None:
        scheme = _el(party, "cac:PartyTaxScheme")
        _el(scheme, "cbc:CompanyID", registration)
        _el(_el(scheme, "cac:TaxScheme"), "cbc:ID", TAX_SCHEME)
    _el(_el(party, "cac:PartyLegalEntity"), "cbc:RegistrationName", name or "")


def _line(root: ET.Element, line: UblLine, index: int) -> None:
    where = f"lines[{index}]"
    element = _el(root, "cac:InvoiceLine")
    _el(element, "cbc:ID", line.line_id)
    _el(element, "cbc:InvoicedQuantity", _number(line.quantity, f"{where}.quantity"),
        unitCode=line.unit_code or DEFAULT_UNIT_CODE)
    _money(element, "cbc:LineExtensionAmount", line.amount, f"{where}.amount")
    if line.order_line_ref is not None:
        _el(_el(element, "cac:OrderLineReference"), "cbc:LineID", line.order_line_ref)
    item = _el(element, "cac:Item")
    _el(item, "cbc:Name", line.description or "")
    _tax_category(item, "cac:ClassifiedTaxCategory", line.rate, f"{where}.rate")
    _money(_el(element, "cac:Price"), "cbc:PriceAmount", line.unit_price, f"{where}.unit_price")


def to_ubl_xml(invoice: UblInvoice) -> bytes:
    """The invoice as JP PINT UBL 2.1 XML (UTF-8, with the XML declaration)."""
    root = ET.Element(f"{{{NS['inv']}}}Invoice")
    _el(root, "cbc:CustomizationID", CUSTOMIZATION_ID)
    _el(root, "cbc:ProfileID", PROFILE_ID)
    _el(root, "cbc:ID", invoice.number)
    _el(root, "cbc:IssueDate", f"{invoice.issue_date:%Y-%m-%d}")
    if invoice.due_date is not None:
        _el(root, "cbc:DueDate", f"{invoice.due_date:%Y-%m-%d}")
    _el(root, "cbc:InvoiceTypeCode", INVOICE_TYPE_CODE)
    if invoice.note is not None:
        _el(root, "cbc:Note", invoice.note)
    _el(root, "cbc:DocumentCurrencyCode", CURRENCY)
    if invoice.buyer_reference is not None:
        _el(root, "cbc:BuyerReference", invoice.buyer_reference)
    if invoice.order_reference is not None:
        _el(_el(root, "cac:OrderReference"), "cbc:ID", invoice.order_reference)
    _party(root, "cac:AccountingSupplierParty", invoice.seller_name, invoice.seller_address,
           invoice.seller_registration_number or "")
    _party(root, "cac:AccountingCustomerParty", invoice.buyer_name, invoice.buyer_address)

    rates = sorted(set(invoice.tax_by_rate) | set(invoice.amount_by_rate), reverse=True)  # 10% first
    taxes = {rate: tax.decimal_value(invoice.tax_by_rate.get(rate, 0), f"tax_by_rate[{rate}]") for rate in rates}
    tax_total = _el(root, "cac:TaxTotal")
    _money(tax_total, "cbc:TaxAmount", sum(taxes.values(), Decimal(0)), "tax_by_rate")
    for rate in rates:
        subtotal = _el(tax_total, "cac:TaxSubtotal")
        _money(subtotal, "cbc:TaxableAmount", invoice.amount_by_rate.get(rate, 0), f"amount_by_rate[{rate}]")
        _money(subtotal, "cbc:TaxAmount", taxes[rate], f"tax_by_rate[{rate}]")
        _tax_category(subtotal, "cac:TaxCategory", rate, f"tax_by_rate[{rate}]")

    net = sum((tax.decimal_value(line.amount, f"lines[{i}].amount") for i, line in enumerate(invoice.lines)),
              Decimal(0))
    totals = _el(root, "cac:LegalMonetaryTotal")
    _money(totals, "cbc:LineExtensionAmount", net, "lines")
    _money(totals, "cbc:TaxExclusiveAmount", net, "lines")
    _money(totals, "cbc:TaxInclusiveAmount", net + sum(taxes.values(), Decimal(0)), "lines")
    _money(totals, "cbc:PayableAmount", invoice.payable_amount, "payable_amount")
    for index, line in enumerate(invoice.lines):
        _line(root, line, index)
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


# --- reading ------------------------------------------------------------------------------

class _RootReached(Exception):
    pass


def _load(data: bytes) -> ET.Element:
    """The root element; refuses oversized documents, DOCTYPE declarations and broken XML."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("parse_ubl_xml expects bytes")
    if len(data) > MAX_BYTES:
        raise UblError(f"XML ファイルが大きすぎます（{len(data):,} バイト。{MAX_BYTES // 1024 // 1024} MB まで）")
    if not data.strip():
        raise UblError("XML ファイルが空です")
    # A DOCTYPE can only come before the root element: scan up to there first, parse after.
    scanner = expat.ParserCreate()

    def refuse_doctype(*_):
        raise UblError("DOCTYPE 宣言（<!DOCTYPE>）を含む XML は受け付けません（エンティティ展開攻撃の防止のため）",
                       "DOCTYPE")

    def stop(*_):
        raise _RootReached

    scanner.StartDoctypeDeclHandler = refuse_doctype
    scanner.StartElementHandler = stop
    try:
        scanner.Parse(bytes(data), True)
    except _RootReached:
        pass
    except expat.ExpatError as error:
        raise UblError(f"XML として読めません（{error.lineno}行 {error.offset + 1}桁: "
                       f"{expat.ErrorString(error.code)}）") from None
    try:
        return ET.fromstring(bytes(data))
    except ET.ParseError as error:
        line, column = error.position
        raise UblError(f"XML として読めません（{line}行 {column + 1}桁: {error}）") from None


def _found(parent: ET.Element, path: str) -> ET.Element | None:
    return parent.find(path, NS)


def _text(parent: ET.Element, path: str) -> str | None:
    """Stripped text of the first match; '' when the element is empty, None when absent."""
    element = _found(parent, path)
    return None if element is None else (element.text or "").strip()


def _required(parent: ET.Element, path: str, where: str = "") -> str:
    text = _text(parent, path)
    if text is None:
        raise UblError(f"必須の要素 {where}{path} がありません", where + path)
    if not text:
        raise UblError(f"必須の要素 {where}{path} が空です", where + path)
    return text


def _decimal(text: str, name: str) -> Decimal:
    if not _DECIMAL.fullmatch(text):
        raise UblError(f"{name} の値「{text}」は数値ではありません", name)
    return Decimal(text)


def _amount(parent: ET.Element, path: str, where: str = "") -> Decimal:
    value = _decimal(_required(parent, path, where), where + path)
    currency = _found(parent, path).get("currencyID")
    if currency is not None and currency.strip() != CURRENCY:
        raise UblError(f"{where}{path} の通貨 currencyID「{currency}」は JPY ではありません", where + path)
    return value


def _date(parent: ET.Element, path: str, required: bool = True) -> date | None:
    text = _required(parent, path) if required else _text(parent, path)
    if not text:
        return None
    match = _DATE.fullmatch(text)
    try:
        return date.fromisoformat(match.group(1)) if match else date.fromisoformat("invalid")
    except ValueError:
        raise UblError(f"{path} の値「{text}」は日付（YYYY-MM-DD）ではありません", path) from None


def _rate(category: ET.Element, where: str) -> Decimal:
    percent = _text(category, "cbc:Percent")
    if not percent:
        code = (_text(category, "cbc:ID") or "").upper()
        if code not in RATE_BY_CATEGORY:
            raise UblError(f"必須の要素 {where}/cbc:Percent（税率）がありません", f"{where}/cbc:Percent")
        return RATE_BY_CATEGORY[code]
    rate = _decimal(percent, f"{where}/cbc:Percent") / 100
    return next((known for known in tax.SUPPORTED_RATES if known == rate), rate)


def _address(party: ET.Element) -> str:
    postal = _found(party, "cac:PostalAddress")
    if postal is None:
        return ""
    parts = [_text(postal, path) for path in ("cbc:CountrySubentity", "cbc:CityName", "cbc:StreetName",
                                              "cbc:AdditionalStreetName")]
    parts += [(line.text or "").strip() for line in postal.findall("cac:AddressLine/cbc:Line", NS)]
    return " ".join(part for part in parts if part)


def _party_of(root: ET.Element, role: str) -> tuple[ET.Element | None, str, str]:
    party = _found(root, f"{role}/cac:Party")
    if party is None:
        return None, "", ""
    name = _text(party, "cac:PartyLegalEntity/cbc:RegistrationName") or _text(party, "cac:PartyName/cbc:Name")
    return party, name or "", _address(party)


def _registration_number(party: ET.Element | None) -> str:
    schemes = [] if party is None else party.findall("cac:PartyTaxScheme", NS)
    vat = [s for s in schemes if (_text(s, "cac:TaxScheme/cbc:ID") or "").upper() == TAX_SCHEME]
    for scheme in vat or schemes:
        return _text(scheme, "cbc:CompanyID") or ""
    return ""


def _read_line(element: ET.Element, number: int) -> UblLine:
    where = f"cac:InvoiceLine[{number}]/"
    quantity = _found(element, "cbc:InvoicedQuantity")
    item_path = "cac:Item/cac:ClassifiedTaxCategory"
    category = _found(element, item_path)
    if category is None:
        raise UblError(f"必須の要素 {where}{item_path} がありません", where + item_path)
    return UblLine(
        line_id=_required(element, "cbc:ID", where),
        description=_text(element, "cac:Item/cbc:Name") or _text(element, "cac:Item/cbc:Description") or "",
        quantity=_decimal(_required(element, "cbc:InvoicedQuantity", where), f"{where}cbc:InvoicedQuantity"),
        unit_code=(quantity.get("unitCode") or DEFAULT_UNIT_CODE).strip(),
        unit_price=_amount(element, "cac:Price/cbc:PriceAmount", where),
        amount=_amount(element, "cbc:LineExtensionAmount", where),
        rate=_rate(category, where + item_path),
        order_line_ref=_text(element, "cac:OrderLineReference/cbc:LineID"))


def _read_tax(root: ET.Element) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
    amounts: dict[Decimal, Decimal] = {}
    taxes: dict[Decimal, Decimal] = {}
    for number, subtotal in enumerate(root.findall("cac:TaxTotal/cac:TaxSubtotal", NS), start=1):
        where = f"cac:TaxTotal/cac:TaxSubtotal[{number}]/"
        category = _found(subtotal, "cac:TaxCategory")
        if category is None:
            raise UblError(f"必須の要素 {where}cac:TaxCategory がありません", where + "cac:TaxCategory")
        rate = _rate(category, where + "cac:TaxCategory")
        amounts[rate] = amounts.get(rate, Decimal(0)) + _amount(subtotal, "cbc:TaxableAmount", where)
        taxes[rate] = taxes.get(rate, Decimal(0)) + _amount(subtotal, "cbc:TaxAmount", where)
    return taxes, amounts


def parse_ubl_xml(data: bytes) -> UblInvoice:
    """A JP PINT / UBL 2.1 Invoice read from an upload; `UblError` (Japanese) when it cannot be."""
    root = _load(data)
    if root.tag != f"{{{NS['inv']}}}Invoice":
        raise UblError(f"UBL 2.1 の請求書（{NS['inv']} の Invoice 要素）ではありません: ルート要素は {root.tag}",
                       "Invoice")
    currency = _text(root, "cbc:DocumentCurrencyCode")
    if currency and currency != CURRENCY:
        raise UblError(f"cbc:DocumentCurrencyCode が「{currency}」です（JPY のみ受け付けます）",
                       "cbc:DocumentCurrencyCode")
    seller, seller_name, seller_address = _party_of(root, "cac:AccountingSupplierParty")
    _, buyer_name, buyer_address = _party_of(root, "cac:AccountingCustomerParty")
    taxes, amounts = _read_tax(root)
    return UblInvoice(
        number=_required(root, "cbc:ID"), issue_date=_date(root, "cbc:IssueDate"),
        due_date=_date(root, "cbc:DueDate", required=False),
        seller_name=seller_name, seller_registration_number=_registration_number(seller),
        seller_address=seller_address, buyer_name=buyer_name, buyer_address=buyer_address,
        buyer_reference=_text(root, "cbc:BuyerReference"), order_reference=_text(root, "cac:OrderReference/cbc:ID"),
        lines=[_read_line(line, number) for number, line in enumerate(root.findall("cac:InvoiceLine", NS), 1)],
        tax_by_rate=taxes, amount_by_rate=amounts,
        payable_amount=_amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount"),
        note=_text(root, "cbc:Note"))


# --- the qualified-invoice view -------------------------------------------------------------

def ubl_to_qualified(invoice: UblInvoice, rounding: str = "down") -> tax.QualifiedInvoice:
    """The document as `tax.QualifiedInvoice`, for `tax.check_qualified_invoice`.

    UBL amounts are tax exclusive; the reduced-rate mark is the AA category (rate 8%); the stated
    per-rate amounts, taxes and total are the document's own.
    """
    return tax.QualifiedInvoice(
        issuer_name=invoice.seller_name, registration_number=invoice.seller_registration_number,
        issue_date=invoice.issue_date, recipient_name=invoice.buyer_name,
        lines=[tax.InvoiceLine(description=line.description, quantity=line.quantity, unit_price=line.unit_price,
                               amount=line.amount, rate=line.rate, reduced_rate_mark=line.rate == tax.REDUCED_RATE)
               for line in invoice.lines],
        stated_amount_by_rate=dict(invoice.amount_by_rate), stated_tax_by_rate=dict(invoice.tax_by_rate),
        stated_total=invoice.payable_amount, rounding=rounding, prices_include_tax=False)
