"""JP PINT invoices (Peppol International, Japan profile; UBL 2.1 Invoice) written and read.

Written: JP PINT identifiers, JPY amounts (whole yen without decimals), tax categories S (10%),
AA (reduced 8%) and those outside the tax (E 非課税, O 不課税, Z, G: no tax), the seller's T-number as PartyTaxScheme/CompanyID (VAT), the per-rate tax as given.
Read (untrusted uploads): at most 5 MB, no DOCTYPE, xsd:decimal numbers only; errors are `UblError`
in Japanese naming the element. Names, T-number, lines and totals are read as written (blank when
absent) and judged by `tax.check_qualified_invoice` through `ubl_to_qualified`. Pure: stdlib only.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from xml.parsers import expat

from invoicing import tax

CUSTOMIZATION_ID = "urn:peppol:pint:billing-1@jp-1"
ENDPOINT_SCHEME = "0188"  # ISO 6523 ICD of the Japanese 法人番号 (Corporate Number)
PROFILE_ID = "urn:peppol:bis:billing"
INVOICE_TYPE_CODE = "380"  # commercial invoice
CURRENCY, COUNTRY, TAX_SCHEME = "JPY", "JP", "VAT"
DEFAULT_UNIT_CODE = "H87"  # UN/ECE rec 20: piece
MAX_BYTES = 5 * 1024 * 1024

NS = {"inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
# Written as <ubl:Invoice>: ElementTree's default-namespace output refuses plain attributes (currencyID).
for _prefix, _uri in (("ubl", NS["inv"]), ("cac", NS["cac"]), ("cbc", NS["cbc"])):
    ET.register_namespace(_prefix, _uri)
ROOT_TAG = f"{{{NS['inv']}}}Invoice"

CATEGORY_BY_RATE = {tax.STANDARD_RATE: "S", tax.REDUCED_RATE: "AA"}
RATE_BY_CATEGORY = {code: rate for rate, code in CATEGORY_BY_RATE.items()}

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")      # xsd:decimal: no exponent, NaN, "1_000"
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?")  # xsd:date, optional time zone


class UblError(ValueError):
    """The document cannot be read as a JP PINT invoice; the message (Japanese) names the element."""

    def __init__(self, message: str, element: str | None = None):
        super().__init__(message)
        self.element = element


@dataclass
class UblLine:
    line_id: str
    description: str
    quantity: Decimal
    unit_code: str                      # UN/ECE rec 20, "H87" (piece) by default
    unit_price: Decimal
    amount: Decimal                     # line extension amount, whole yen, tax exclusive
    rate: Decimal                       # Decimal("0.10") or Decimal("0.08"); 0 outside the tax
    order_line_ref: str | None = None   # cac:OrderLineReference/cbc:LineID (our order line id)
    category: str | None = None         # outside the tax: E 非課税, O 不課税, Z, G (rate 0)


@dataclass
class UblInvoice:
    number: str
    issue_date: date
    due_date: date | None
    seller_name: str
    seller_registration_number: str     # "T" + 13 digits
    seller_address: str
    buyer_name: str
    buyer_address: str
    buyer_reference: str | None         # the ward's local government code
    order_reference: str | None
    lines: list[UblLine]
    tax_by_rate: dict[Decimal, Decimal]     # consumption tax per rate, whole yen, rounded once per rate
    amount_by_rate: dict[Decimal, Decimal]  # taxable amount per rate (tax exclusive)
    payable_amount: Decimal                 # total including tax
    note: str | None = None
    # Peppol electronic addresses (cbc:EndpointID, scheme 0188: the 法人番号) and the period billed
    seller_endpoint: str | None = None
    buyer_endpoint: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    non_taxable_by_category: dict[str, Decimal] = field(default_factory=dict)  # E, O, Z, G: amount, no tax


# --- writing ------------------------------------------------------------------------------

def _el(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    prefix, local = name.split(":")
    element = ET.SubElement(parent, f"{{{NS[prefix]}}}{local}", attrs)
    element.text = text
    return element


def _number(value, field: str) -> str:
    """Decimal text, whole numbers without decimals ('310', not '310.00'); floats are refused."""
    number = tax.decimal_value(value, field)
    if number == number.to_integral_value():
        return format(number.to_integral_value(), "f") if number else "0"
    return format(number, "f")


def _money(parent: ET.Element, name: str, value, field: str) -> None:
    _el(parent, name, _number(value, field), currencyID=CURRENCY)


def _tax_category(parent: ET.Element, name: str, rate, field: str, code: str | None = None) -> None:
    """S or AA by the rate; a category outside the tax as given, with Percent 0 (none for O 不課税)."""
    try:
        if code is None:
            rate = tax.supported_rate(tax.decimal_value(rate, field), field)
        else:
            code = tax.non_taxable_category(code, field)
    except tax.InvoiceRuleError as error:
        raise UblError(f"{field}: {error.reason}", field) from None
    category = _el(parent, name)
    _el(category, "cbc:ID", code or CATEGORY_BY_RATE[rate])
    if code is None:
        _el(category, "cbc:Percent", _number(rate * 100, field))
    elif code != "O":
        _el(category, "cbc:Percent", "0")
    _el(_el(category, "cac:TaxScheme"), "cbc:ID", TAX_SCHEME)


def _party(parent: ET.Element, role: str, name: str, address: str, registration: str | None = None,
           endpoint: str | None = None) -> None:
    party = _el(_el(parent, role), "cac:Party")
    if endpoint:
        _el(party, "cbc:EndpointID", endpoint, schemeID=ENDPOINT_SCHEME)
    _el(_el(party, "cac:PartyName"), "cbc:Name", name or "")
    postal = _el(party, "cac:PostalAddress")
    _el(postal, "cbc:StreetName", address or "")  # PINT address line 1 (IBT-035 / IBT-050)
    _el(_el(postal, "cac:Country"), "cbc:IdentificationCode", COUNTRY)
    if registration is not None:
        scheme = _el(party, "cac:PartyTaxScheme")
        _el(scheme, "cbc:CompanyID", registration)
        _el(_el(scheme, "cac:TaxScheme"), "cbc:ID", TAX_SCHEME)
    _el(_el(party, "cac:PartyLegalEntity"), "cbc:RegistrationName", name or "")


def _write_line(root: ET.Element, line: UblLine, where: str) -> None:
    element = _el(root, "cac:InvoiceLine")
    _el(element, "cbc:ID", line.line_id)
    _el(element, "cbc:InvoicedQuantity", _number(line.quantity, f"{where}.quantity"),
        unitCode=line.unit_code or DEFAULT_UNIT_CODE)
    _money(element, "cbc:LineExtensionAmount", line.amount, f"{where}.amount")
    if line.order_line_ref is not None:
        _el(_el(element, "cac:OrderLineReference"), "cbc:LineID", line.order_line_ref)
    item = _el(element, "cac:Item")
    _el(item, "cbc:Name", line.description or "")
    _tax_category(item, "cac:ClassifiedTaxCategory", line.rate, f"{where}.rate", line.category)
    _money(_el(element, "cac:Price"), "cbc:PriceAmount", line.unit_price, f"{where}.unit_price")


def to_ubl_xml(invoice: UblInvoice) -> bytes:
    """The invoice as JP PINT UBL 2.1 XML (UTF-8, with the XML declaration)."""
    root = ET.Element(ROOT_TAG)
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
    if invoice.period_start is not None or invoice.period_end is not None:
        period = _el(root, "cac:InvoicePeriod")
        for name, day in (("cbc:StartDate", invoice.period_start), ("cbc:EndDate", invoice.period_end)):
            if day is not None:
                _el(period, name, f"{day:%Y-%m-%d}")
    if invoice.order_reference is not None:
        _el(_el(root, "cac:OrderReference"), "cbc:ID", invoice.order_reference)
    _party(root, "cac:AccountingSupplierParty", invoice.seller_name, invoice.seller_address,
           invoice.seller_registration_number or "", invoice.seller_endpoint)
    _party(root, "cac:AccountingCustomerParty", invoice.buyer_name, invoice.buyer_address,
           endpoint=invoice.buyer_endpoint)

    rates = sorted(set(invoice.tax_by_rate) | set(invoice.amount_by_rate), reverse=True)  # 10% first
    taxes = {rate: tax.decimal_value(invoice.tax_by_rate.get(rate, 0), f"tax_by_rate[{rate}]")
             for rate in rates}
    tax_total = _el(root, "cac:TaxTotal")
    _money(tax_total, "cbc:TaxAmount", sum(taxes.values(), Decimal(0)), "tax_by_rate")
    for rate in rates:
        subtotal = _el(tax_total, "cac:TaxSubtotal")
        _money(subtotal, "cbc:TaxableAmount", invoice.amount_by_rate.get(rate, 0), f"amount_by_rate[{rate}]")
        _money(subtotal, "cbc:TaxAmount", taxes[rate], f"tax_by_rate[{rate}]")
        _tax_category(subtotal, "cac:TaxCategory", rate, f"tax_by_rate[{rate}]")
    for code, amount in invoice.non_taxable_by_category.items():
        subtotal = _el(tax_total, "cac:TaxSubtotal")
        _money(subtotal, "cbc:TaxableAmount", amount, f"non_taxable_by_category[{code}]")
        _money(subtotal, "cbc:TaxAmount", 0, f"non_taxable_by_category[{code}]")
        _tax_category(subtotal, "cac:TaxCategory", 0, f"non_taxable_by_category[{code}]", code)

    net = sum((tax.decimal_value(line.amount, f"lines[{index}].amount")
               for index, line in enumerate(invoice.lines)), Decimal(0))
    totals = _el(root, "cac:LegalMonetaryTotal")
    _money(totals, "cbc:LineExtensionAmount", net, "lines")
    _money(totals, "cbc:TaxExclusiveAmount", net, "lines")  # no document-level allowances or charges
    _money(totals, "cbc:TaxInclusiveAmount", net + sum(taxes.values(), Decimal(0)), "lines")
    _money(totals, "cbc:PayableAmount", invoice.payable_amount, "payable_amount")
    for index, line in enumerate(invoice.lines):
        _write_line(root, line, f"lines[{index}]")
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


# --- reading ------------------------------------------------------------------------------

class _RootReached(Exception):
    pass


def _stop_at_root(*_):
    raise _RootReached


def _refuse_doctype(*_):
    raise UblError("DOCTYPE 宣言（<!DOCTYPE>）を含む XML は受け付けません（エンティティ展開攻撃を防ぐため）",
                   "DOCTYPE")


def _load(data: bytes) -> ET.Element:
    """The root element; refuses oversized documents, any DOCTYPE and broken XML."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("parse_ubl_xml expects bytes")
    if len(data) > MAX_BYTES:
        raise UblError(f"XML ファイルが大きすぎます（{len(data):,} バイト、上限 5 MB）")
    # A DOCTYPE can only come before the root element: scan up to the root first, then parse.
    scanner = expat.ParserCreate()
    scanner.StartDoctypeDeclHandler = _refuse_doctype
    scanner.StartElementHandler = _stop_at_root
    try:
        scanner.Parse(bytes(data), True)
    except _RootReached:
        pass
    except UblError:
        raise
    except (ValueError, LookupError):  # a declared encoding expat cannot read (Shift_JIS, EBCDIC...)
        raise UblError("XML の文字コードは UTF-8 にしてください（JP PINT は UTF-8 です。宣言された文字コードは"
                       "読み込めません）", "encoding") from None
    except expat.ExpatError as error:
        raise UblError(f"XML として読めません（{error.lineno}行 {error.offset + 1}桁目: "
                       f"{expat.ErrorString(error.code)}）") from None
    try:
        return ET.fromstring(bytes(data))
    except (ValueError, LookupError):
        raise UblError("XML の文字コードは UTF-8 にしてください", "encoding") from None
    except ET.ParseError as error:
        raise UblError(f"XML として読めません（{error.position[0]}行 {error.position[1] + 1}桁目: {error}）") from None


def _text(parent: ET.Element, path: str) -> str | None:
    """Stripped text of the first match: '' when the element is empty, None when it is absent."""
    element = parent.find(path, NS)
    return None if element is None else (element.text or "").strip()


def _required(parent: ET.Element, path: str, where: str = "") -> str:
    text = _text(parent, path)
    if not text:
        state = "がありません" if text is None else "が空です"
        raise UblError(f"必須の要素 {where}{path} {state}", where + path)
    return text


MAX_VALUE = Decimal(10) ** 13  # yen and quantities: far above any invoice, below Numeric(18, 4)


def _decimal(text: str, name: str) -> Decimal:
    if len(text) > 40 or not _DECIMAL.fullmatch(text):
        raise UblError(f"{name} の値「{text[:40]}」は数値ではありません", name)
    value = Decimal(text)
    if abs(value) >= MAX_VALUE:
        raise UblError(f"{name} の値「{text[:40]}」が大きすぎます（上限 {MAX_VALUE:,}）", name)
    if value != value.quantize(Decimal("0.0001")):
        raise UblError(f"{name} の値「{text[:40]}」は小数 4 桁までにしてください", name)
    return value


def _amount(parent: ET.Element, path: str, where: str = "") -> Decimal:
    value = _decimal(_required(parent, path, where), where + path)
    currency = parent.find(path, NS).get("currencyID")
    if currency is not None and currency.strip() != CURRENCY:
        raise UblError(f"{where}{path} の通貨（currencyID）が「{currency}」です（JPY のみ受け付けます）", where + path)
    return value


def _date(text: str | None, path: str) -> date | None:
    if not text:
        return None
    match = _DATE.fullmatch(text)
    try:
        if match:
            return date.fromisoformat(match.group(1))
    except ValueError:  # 2026-02-30
        pass
    raise UblError(f"{path} の値「{text}」は日付（YYYY-MM-DD）ではありません", path)


Category = tuple[Decimal, "str | None"]  # (rate, category outside the tax or None)


def _rate(category: ET.Element | None, where: str) -> Category:
    """(rate, None) of a taxed category: Percent / 100, or S / AA when the percent is left out;
    (0, code) of a category outside the tax (E 非課税, O 不課税, Z, G), whose percent must be 0."""
    if category is None:
        raise UblError(f"必須の要素 {where} がありません", where)
    code = (_text(category, "cbc:ID") or "").upper()
    percent = _text(category, "cbc:Percent")
    if code in tax.NON_TAXABLE_CATEGORIES:
        if percent and _decimal(percent, f"{where}/cbc:Percent") != 0:
            raise UblError(f"{where}: 税区分 {code}（{tax.NON_TAXABLE_CATEGORIES[code]}）の税率は 0 です"
                           f"（{percent}% と記載されています）", f"{where}/cbc:Percent")
        return Decimal(0), code
    if not percent:
        if code not in RATE_BY_CATEGORY:
            raise UblError(f"必須の要素 {where}/cbc:Percent（税率）がありません", f"{where}/cbc:Percent")
        return RATE_BY_CATEGORY[code], None
    rate = _decimal(percent, f"{where}/cbc:Percent") / 100
    return next((known for known in tax.SUPPORTED_RATES if known == rate), rate), None


def _party_of(root: ET.Element, role: str) -> tuple[str, str, str]:
    """(name, address, registration number) of a party, blank where the document has none."""
    party = root.find(f"{role}/cac:Party", NS)
    if party is None:
        return "", "", ""
    name = _text(party, "cac:PartyLegalEntity/cbc:RegistrationName") or _text(party, "cac:PartyName/cbc:Name")
    parts = [_text(party, f"cac:PostalAddress/cbc:{part}")
             for part in ("CountrySubentity", "CityName", "StreetName", "AdditionalStreetName")]
    parts += [(line.text or "").strip() for line in party.findall("cac:PostalAddress/cac:AddressLine/cbc:Line", NS)]
    schemes = party.findall("cac:PartyTaxScheme", NS)
    vat = [s for s in schemes if (_text(s, "cac:TaxScheme/cbc:ID") or "").upper() == TAX_SCHEME]
    registration = next((_text(s, "cbc:CompanyID") or "" for s in vat or schemes), "")
    return name or "", " ".join(part for part in parts if part), registration


def _read_line(element: ET.Element, number: int) -> list[UblLine]:
    """The line, and each of its allowances and charges as a line of its own (値引 / 加算), so that
    every stored line is quantity x price and the ward settles an adjustment like any line."""
    where = f"cac:InvoiceLine[{number}]/"
    line_id = _required(element, "cbc:ID", where)
    quantity = _decimal(_required(element, "cbc:InvoicedQuantity", where), f"{where}cbc:InvoicedQuantity")
    unit_code = (element.find("cbc:InvoicedQuantity", NS).get("unitCode") or "").strip()
    rate, category = _rate(element.find("cac:Item/cac:ClassifiedTaxCategory", NS),
                           f"{where}cac:Item/cac:ClassifiedTaxCategory")
    price = _amount(element, "cac:Price/cbc:PriceAmount", where)
    base = _text(element, "cac:Price/cbc:BaseQuantity")
    if base is not None:  # the price is for this many units
        base_quantity = _decimal(base, f"{where}cac:Price/cbc:BaseQuantity")
        if base_quantity <= 0:
            raise UblError(f"{where}cac:Price/cbc:BaseQuantity は正の数にしてください（{base}）",
                           f"{where}cac:Price/cbc:BaseQuantity")
        price = price / base_quantity
    adjustments = _adjustments(element, where, f"{line_id}行目の", lambda _element: (rate, category))
    net = sum((a.amount for a in adjustments), Decimal(0))
    item = UblLine(
        line_id=line_id, quantity=quantity, unit_code=unit_code or DEFAULT_UNIT_CODE,
        description=_text(element, "cac:Item/cbc:Name") or _text(element, "cac:Item/cbc:Description") or "",
        unit_price=price, amount=_amount(element, "cbc:LineExtensionAmount", where) - net, rate=rate,
        order_line_ref=_text(element, "cac:OrderLineReference/cbc:LineID"), category=category)
    return [item, *[replace(a, line_id=f"{line_id}-{n}") for n, a in enumerate(adjustments, start=1)]]


def _adjustments(parent: ET.Element, where: str, label: str, rate_of) -> list[UblLine]:
    """The allowances (値引, negative) and charges (加算) under `parent`, each as a line of one."""
    found = []
    for number, element in enumerate(parent.findall("cac:AllowanceCharge", NS), start=1):
        here = f"{where}cac:AllowanceCharge[{number}]/"
        charge = (_required(element, "cbc:ChargeIndicator", here).strip().lower() == "true")
        amount = _amount(element, "cbc:Amount", here)
        reason = _text(element, "cbc:AllowanceChargeReason") or _text(element, "cbc:AllowanceChargeReasonCode") or ""
        rate, category = rate_of(element)
        found.append(UblLine(
            line_id=f"AC{number}", description=f"{label}{'加算' if charge else '値引'}{'：' + reason if reason else ''}",
            quantity=Decimal(1) if charge else Decimal(-1), unit_code=DEFAULT_UNIT_CODE, unit_price=amount,
            amount=amount if charge else -amount, rate=rate, category=category))
    return found


def _read_tax(root: ET.Element) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal], dict[str, Decimal]]:
    """(tax by rate, taxable amount by rate, amount by category outside the tax) from the TaxSubtotals."""
    taxes: dict[Decimal, Decimal] = {}
    amounts: dict[Decimal, Decimal] = {}
    untaxed: dict[str, Decimal] = {}
    for number, subtotal in enumerate(root.findall("cac:TaxTotal/cac:TaxSubtotal", NS), start=1):
        where = f"cac:TaxTotal/cac:TaxSubtotal[{number}]/"
        rate, category = _rate(subtotal.find("cac:TaxCategory", NS), where + "cac:TaxCategory")
        amount, tax_amount = _amount(subtotal, "cbc:TaxableAmount", where), _amount(subtotal, "cbc:TaxAmount", where)
        if category is not None:
            if tax_amount != 0:
                raise UblError(f"{where}cbc:TaxAmount: 税区分 {category}（{tax.NON_TAXABLE_CATEGORIES[category]}）の"
                               f"消費税額は 0 です（{tax_amount:,} と記載されています）", where + "cbc:TaxAmount")
            untaxed[category] = untaxed.get(category, Decimal(0)) + amount
            continue
        amounts[rate] = amounts.get(rate, Decimal(0)) + amount
        taxes[rate] = taxes.get(rate, Decimal(0)) + tax_amount
    return taxes, amounts, untaxed


def parse_ubl_xml(data: bytes) -> UblInvoice:
    """A JP PINT (UBL 2.1) Invoice from an upload; `UblError` (Japanese, naming the element) if not."""
    root = _load(data)
    if root.tag != ROOT_TAG:
        raise UblError(f"UBL 2.1 の請求書（{NS['inv']} の Invoice 要素）ではありません（ルート要素: {root.tag}）",
                       "Invoice")
    currency = _text(root, "cbc:DocumentCurrencyCode")
    if currency and currency != CURRENCY:
        # The official rules accept a foreign-currency invoice with its tax in yen (TaxCurrencyCode),
        # but wards pay in yen only (Zengin transfer, card in JPY): such an invoice could not be paid.
        raise UblError(f"cbc:DocumentCurrencyCode が「{currency}」です。区の支払は円建て（全銀振込・カード）のため、"
                       "請求の通貨は JPY のみ受け付けます（消費税だけを円で示す外貨建ての請求書は支払えません）。"
                       "円建てで発行し直してください", "cbc:DocumentCurrencyCode")
    number = _required(root, "cbc:ID")
    issue_date = _date(_required(root, "cbc:IssueDate"), "cbc:IssueDate")
    seller_name, seller_address, registration = _party_of(root, "cac:AccountingSupplierParty")
    buyer_name, buyer_address, _ = _party_of(root, "cac:AccountingCustomerParty")
    taxes, amounts, untaxed = _read_tax(root)
    return UblInvoice(
        number=number, issue_date=issue_date, due_date=_date(_text(root, "cbc:DueDate"), "cbc:DueDate"),
        seller_name=seller_name, seller_registration_number=registration, seller_address=seller_address,
        buyer_name=buyer_name, buyer_address=buyer_address, buyer_reference=_text(root, "cbc:BuyerReference"),
        order_reference=_text(root, "cac:OrderReference/cbc:ID"),
        lines=[*(item for n, line in enumerate(root.findall("cac:InvoiceLine", NS), start=1)
                 for item in _read_line(line, n)),
               *_adjustments(root, "", "", lambda element: _rate(element.find("cac:TaxCategory", NS),
                                                                  "cac:AllowanceCharge/cac:TaxCategory"))],
        tax_by_rate=taxes, amount_by_rate=amounts, non_taxable_by_category=untaxed,
        payable_amount=_amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount"), note=_text(root, "cbc:Note"),
        seller_endpoint=_text(root, "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"),
        buyer_endpoint=_text(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"),
        period_start=_date(_text(root, "cac:InvoicePeriod/cbc:StartDate"), "cac:InvoicePeriod/cbc:StartDate"),
        period_end=_date(_text(root, "cac:InvoicePeriod/cbc:EndDate"), "cac:InvoicePeriod/cbc:EndDate"))


def ubl_to_qualified(invoice: UblInvoice, rounding: str = "down") -> tax.QualifiedInvoice:
    """The document as a `tax.QualifiedInvoice`, for `tax.check_qualified_invoice`.

    UBL amounts are tax exclusive; the reduced-rate mark is the 8% (AA) category; the per-rate
    amounts, taxes and the total are the document's own statements, checked against its lines.
    """
    return tax.QualifiedInvoice(
        issuer_name=invoice.seller_name, registration_number=invoice.seller_registration_number,
        issue_date=invoice.issue_date, recipient_name=invoice.buyer_name,
        lines=[tax.InvoiceLine(description=line.description, quantity=line.quantity, unit_price=line.unit_price,
                               amount=line.amount, rate=line.rate, category=line.category,
                               reduced_rate_mark=line.category is None and line.rate == tax.REDUCED_RATE)
               for line in invoice.lines],
        stated_non_taxable=dict(invoice.non_taxable_by_category),
        stated_amount_by_rate=dict(invoice.amount_by_rate), stated_tax_by_rate=dict(invoice.tax_by_rate),
        stated_total=invoice.payable_amount, rounding=rounding, prices_include_tax=False)
