"""JP PINT UBL XML (invoicing.ubl): required elements at their XPaths, tax once per rate, round
trip, the qualified-invoice rules on an uploaded document, and broken or hostile uploads."""
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing.tax import REDUCED_RATE, STANDARD_RATE, check_qualified_invoice, round_yen
from procure.money import invoice_totals
from invoicing.ubl import NS, UblError, UblInvoice, UblLine, parse_ubl_xml, to_ubl_xml, ubl_to_qualified

TEN, EIGHT = STANDARD_RATE, REDUCED_RATE
SELLER_T = "T2011001071234"   # check digit 2 is right for 011001071234
WRONG_T = "T3011001071234"    # same digits, wrong check digit
JAPANESE = re.compile(r"[ぁ-んァ-ヶ一-龯]")


def document(lines, rounding="down", **changes) -> UblInvoice:
    """A consistent invoice: per-rate totals and tax from the lines (tax rounded once per rate),
    lines outside the tax summed per category with no tax."""
    totals = invoice_totals(((line.amount, line.rate, line.category) for line in lines), rounding)
    doc = UblInvoice(
        number="INV-2026-10-0001", issue_date=date(2026, 10, 31), due_date=date(2026, 11, 30),
        seller_name="株式会社文具屋", seller_registration_number=SELLER_T, seller_address="東京都渋谷区道玄坂1-10-8",
        buyer_name="渋谷区", buyer_address="東京都渋谷区宇田川町1-1", buyer_reference="131130", order_reference="42",
        lines=lines, tax_by_rate={rate: b.tax for rate, b in totals.by_rate.items()},
        amount_by_rate={rate: b.taxable_amount for rate, b in totals.by_rate.items()},
        payable_amount=totals.total, note="2026年10月分", non_taxable_by_category=totals.non_taxable)
    return replace(doc, **changes)


PENS = [UblLine("1", "油性ボールペン 黒", D("1"), "H87", D("155"), D("155"), TEN, "7"),
        UblLine("2", "油性ボールペン 赤", D("1"), "H87", D("155"), D("155"), TEN, "8")]
MIXED = [UblLine("1", "コピー用紙 A4", D("3"), "H87", D("333"), D("999"), TEN),
         UblLine("2", "保存水 2L", D("12"), "H87", D("125.5"), D("1506"), EIGHT),
         UblLine("3", "缶入りパン", D("7"), "H87", D("180"), D("1260"), EIGHT)]


def tree(doc: UblInvoice) -> ET.Element:
    return ET.fromstring(to_ubl_xml(doc))


def text(root: ET.Element, path: str) -> str:
    element = root.find(path, NS)
    assert element is not None, f"{path} is missing"
    return element.text


def changed(xml: bytes, old: bytes, new: bytes) -> bytes:
    assert xml.count(old) == 1, old
    return xml.replace(old, new)


# --- writing ------------------------------------------------------------------------------

def test_two_155_yen_lines_at_10_percent_are_taxed_31_yen_once_not_30():
    root = tree(document(PENS))
    assert text(root, "cac:TaxTotal/cbc:TaxAmount") == "31"
    [subtotal] = root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    assert (text(subtotal, "cbc:TaxableAmount"), text(subtotal, "cbc:TaxAmount")) == ("310", "31")
    assert [text(root, f"cac:LegalMonetaryTotal/cbc:{name}") for name in
            ("LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount", "PayableAmount")] == \
        ["310", "310", "341", "341"]


@pytest.mark.parametrize("path, expected", [
    ("cbc:CustomizationID", "urn:peppol:pint:billing-1@jp-1"),
    ("cbc:ProfileID", "urn:peppol:bis:billing"),
    ("cbc:ID", "INV-2026-10-0001"),
    ("cbc:IssueDate", "2026-10-31"),
    ("cbc:DueDate", "2026-11-30"),
    ("cbc:InvoiceTypeCode", "380"),
    ("cbc:Note", "2026年10月分"),
    ("cbc:DocumentCurrencyCode", "JPY"),
    ("cbc:BuyerReference", "131130"),
    ("cac:OrderReference/cbc:ID", "42"),
    ("cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name", "株式会社文具屋"),
    ("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cbc:StreetName", "東京都渋谷区道玄坂1-10-8"),
    ("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode", "JP"),
    ("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID", SELLER_T),
    ("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cac:TaxScheme/cbc:ID", "VAT"),
    ("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName", "株式会社文具屋"),
    ("cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name", "渋谷区"),
    ("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cbc:StreetName", "東京都渋谷区宇田川町1-1"),
    ("cac:TaxTotal/cbc:TaxAmount", "31"),
    ("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", "S"),
    ("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", "10"),
    ("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cac:TaxScheme/cbc:ID", "VAT"),
    ("cac:LegalMonetaryTotal/cbc:PayableAmount", "341"),
    ("cac:InvoiceLine/cbc:ID", "1"),
    ("cac:InvoiceLine/cbc:InvoicedQuantity", "1"),
    ("cac:InvoiceLine/cbc:LineExtensionAmount", "155"),
    ("cac:InvoiceLine/cac:OrderLineReference/cbc:LineID", "7"),
    ("cac:InvoiceLine/cac:Item/cbc:Name", "油性ボールペン 黒"),
    ("cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID", "S"),
    ("cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", "10"),
    ("cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cac:TaxScheme/cbc:ID", "VAT"),
    ("cac:InvoiceLine/cac:Price/cbc:PriceAmount", "155"),
])
def test_required_elements_are_at_their_xpaths(path, expected):
    assert text(tree(document(PENS)), path) == expected


def test_document_is_utf8_ubl_invoice_in_ubl_order_with_jpy_on_every_amount():
    xml = to_ubl_xml(document(PENS))
    assert xml.startswith(b"<?xml") and b"encoding='UTF-8'" in xml.splitlines()[0]
    assert "株式会社文具屋".encode("utf-8") in xml
    root = ET.fromstring(xml)
    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
    assert [child.tag.split("}")[1] for child in root] == [
        "CustomizationID", "ProfileID", "ID", "IssueDate", "DueDate", "InvoiceTypeCode", "Note",
        "DocumentCurrencyCode", "BuyerReference", "OrderReference", "AccountingSupplierParty",
        "AccountingCustomerParty", "TaxTotal", "LegalMonetaryTotal", "InvoiceLine", "InvoiceLine"]
    amounts = [e for e in root.iter() if e.tag.endswith("Amount")]
    assert len(amounts) == 11 and {e.get("currencyID") for e in amounts} == {"JPY"}
    assert root.find("cac:InvoiceLine/cbc:InvoicedQuantity", NS).get("unitCode") == "H87"


def test_mixed_rates_have_one_subtotal_per_rate_standard_first_and_reduced_as_aa():
    root = tree(document(MIXED))
    subtotals = [(text(s, "cac:TaxCategory/cbc:ID"), text(s, "cac:TaxCategory/cbc:Percent"),
                  text(s, "cbc:TaxableAmount"), text(s, "cbc:TaxAmount"))
                 for s in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)]
    assert subtotals == [("S", "10", "999", "99"), ("AA", "8", "2766", "221")]  # 221.28 down
    assert text(root, "cac:TaxTotal/cbc:TaxAmount") == "320"
    assert [text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID")
            for line in root.findall("cac:InvoiceLine", NS)] == ["S", "AA", "AA"]
    assert text(root.findall("cac:InvoiceLine", NS)[1], "cac:Price/cbc:PriceAmount") == "125.5"


def test_whole_yen_written_without_decimals_and_prices_keep_their_decimals():
    lines = [UblLine("1", "ファイル", D("2.50"), "KGM", D("12.40"), D("31.00"), TEN),
             UblLine("2", "共同単価精算", D("1"), "H87", D("-120"), D("-120"), TEN)]
    root = tree(document(lines))
    first, second = root.findall("cac:InvoiceLine", NS)
    assert (text(first, "cbc:InvoicedQuantity"), text(first, "cac:Price/cbc:PriceAmount"),
            text(first, "cbc:LineExtensionAmount")) == ("2.50", "12.40", "31")
    assert first.find("cbc:InvoicedQuantity", NS).get("unitCode") == "KGM"
    assert text(second, "cbc:LineExtensionAmount") == "-120"
    assert text(root, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount") == "-89"


def test_optional_elements_are_left_out_and_read_back_as_none():
    lines = [replace(PENS[0], order_line_ref=None)]
    doc = document(lines, due_date=None, buyer_reference=None, order_reference=None, note=None)
    root = tree(doc)
    for path in ("cbc:DueDate", "cbc:BuyerReference", "cac:OrderReference", "cbc:Note",
                 "cac:InvoiceLine/cac:OrderLineReference"):
        assert root.find(path, NS) is None, path
    assert parse_ubl_xml(to_ubl_xml(doc)) == doc


def test_floats_and_unsupported_rates_are_refused_when_writing():
    with pytest.raises(TypeError, match="float"):
        to_ubl_xml(document([replace(PENS[0], unit_price=155.0)]))
    five = replace(PENS[0], rate=D("0.05"))
    with pytest.raises(UblError, match="税率"):
        to_ubl_xml(replace(document(PENS), lines=[five]))


# --- round trip ---------------------------------------------------------------------------

words = st.text(alphabet=st.sampled_from(list("あいうアイウ区役所文具株式会社ABCxyz019-&<>\"' 　")),
                min_size=1, max_size=12).map(str.strip).filter(bool)
with_decimals = st.tuples(st.integers(1, 9_999_999), st.integers(0, 2)).map(lambda t: D(t[0]).scaleb(-t[1]))
quantities = st.tuples(st.integers(1, 99_999), st.integers(0, 2)).map(lambda t: D(t[0]).scaleb(-t[1]))


@st.composite
def invoices(draw):
    lines = []
    for index in range(1, draw(st.integers(1, 6)) + 1):
        # amounts stay below the reader's bound (ubl.MAX_VALUE), as the database's columns require
        quantity, price = draw(st.one_of(st.integers(1, 500).map(D), quantities)), draw(with_decimals)
        unit = draw(st.sampled_from(["H87", "KGM", "LTR"]))
        rate, category = draw(st.sampled_from([(TEN, None), (EIGHT, None), (D(0), "E"), (D(0), "O"), (D(0), "Z"),
                                               (D(0), "G")]))
        lines.append(UblLine(str(index), draw(words), quantity, unit, price, round_yen(quantity * price, "down"),
                             rate, draw(st.none() | st.integers(1, 10**6).map(str)), category))
    issued = draw(st.dates(date(2023, 10, 1), date(2099, 12, 31)))
    return document(lines, draw(st.sampled_from(["down", "up", "half_up"])), number=draw(words), issue_date=issued,
                    due_date=draw(st.none() | st.just(issued)), seller_name=draw(words), buyer_name=draw(words),
                    seller_address=draw(words), buyer_address=draw(words), buyer_reference=draw(st.none() | words),
                    order_reference=draw(st.none() | words), note=draw(st.none() | words))


@settings(max_examples=60, deadline=None)
@given(invoices())
def test_round_trip_gives_back_the_invoice(doc):
    back = parse_ubl_xml(to_ubl_xml(doc))
    assert back == doc
    assert all(type(value) is D for line in back.lines
               for value in (line.quantity, line.unit_price, line.amount, line.rate))


@settings(max_examples=40, deadline=None)
@given(invoices(), st.sampled_from(["down", "up", "half_up"]))
def test_a_consistent_document_breaks_no_qualified_invoice_rule(doc, rounding):
    doc = document(doc.lines, rounding)
    assert check_qualified_invoice(ubl_to_qualified(parse_ubl_xml(to_ubl_xml(doc)), rounding)) == []


# --- the qualified-invoice rules on a document ----------------------------------------------

def violations(doc: UblInvoice, rounding="down") -> set[tuple[str, str]]:
    qualified = ubl_to_qualified(parse_ubl_xml(to_ubl_xml(doc)), rounding)
    return {(v.field, v.code) for v in check_qualified_invoice(qualified)}


STAMP = UblLine("3", "収入印紙代（立替）", D("1"), "H87", D("200"), D("200"), D(0), category="O")
POSTAGE_FREE = UblLine("4", "郵便切手", D("2"), "H87", D("110"), D("220"), D(0), category="E")


def test_lines_outside_the_tax_have_a_subtotal_per_category_with_no_tax():
    root = tree(document([*PENS, STAMP, POSTAGE_FREE]))
    subtotals = [(text(s, "cac:TaxCategory/cbc:ID"), s.findtext("cac:TaxCategory/cbc:Percent", None, NS),
                  text(s, "cbc:TaxableAmount"), text(s, "cbc:TaxAmount"))
                 for s in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)]
    assert subtotals == [("S", "10", "310", "31"), ("E", "0", "220", "0"), ("O", None, "200", "0")]
    assert text(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == "730"
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "761"
    categories = [text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID") for line in root.findall("cac:InvoiceLine", NS)]
    assert categories == ["S", "S", "O", "E"]


def test_lines_outside_the_tax_are_checked_like_any_other():
    doc = document([*PENS, STAMP])
    assert violations(doc) == set()
    assert violations(replace(doc, non_taxable_by_category={"O": D(300)})) == {
        ("stated_non_taxable[O]", "non_taxable_amount_mismatch")}
    assert violations(replace(doc, payable_amount=D(341))) == {("stated_total", "total_mismatch")}
    assert violations(replace(doc, non_taxable_by_category={})) == {
        ("stated_non_taxable[O]", "missing_non_taxable_amount")}


def test_a_correct_document_is_a_qualified_invoice_with_the_reduced_rate_marked():
    assert violations(document(PENS)) == set()
    assert violations(document(MIXED)) == set()
    qualified = ubl_to_qualified(parse_ubl_xml(to_ubl_xml(document(MIXED))))
    assert [line.reduced_rate_mark for line in qualified.lines] == [False, True, True]
    assert (qualified.stated_total, qualified.stated_tax_by_rate) == (D("4085"), {TEN: D("99"), EIGHT: D("221")})
    assert (qualified.issuer_name, qualified.recipient_name, qualified.registration_number) == \
        ("株式会社文具屋", "渋谷区", SELLER_T)


@pytest.mark.parametrize("changes, expected", [
    ({"seller_registration_number": WRONG_T}, ("registration_number", "invalid_registration_number")),
    ({"seller_registration_number": ""}, ("registration_number", "missing_registration_number")),
    ({"buyer_name": ""}, ("recipient_name", "missing_recipient")),
    ({"seller_name": ""}, ("issuer_name", "missing_issuer_name")),
    ({"tax_by_rate": {TEN: D("30")}}, ("stated_tax_by_rate[0.10]", "tax_by_rate_mismatch")),  # per line
    ({"payable_amount": D("340")}, ("stated_total", "total_mismatch")),
    ({"lines": [], "tax_by_rate": {}, "amount_by_rate": {}, "payable_amount": D(0)}, ("lines", "no_lines")),
])
def test_a_broken_rule_is_reported_for_the_matching_field(changes, expected):
    assert violations(replace(document(PENS), **changes)) == {expected}


def test_the_vendors_rounding_is_applied_once_per_rate():
    doc = document([UblLine("1", "トナー", D("1"), "H87", D("1005"), D("1005"), TEN)], "down")  # 100.5 -> 100
    assert violations(doc, "down") == set()
    assert violations(doc, "up") == {("stated_tax_by_rate[0.10]", "tax_by_rate_mismatch"),
                                     ("stated_total", "total_mismatch")}


# --- reading documents written elsewhere, and refusing bad ones ----------------------------

VENDOR_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:b="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <b:CustomizationID>urn:peppol:pint:billing-1@jp-1</b:CustomizationID>
 <b:ID> V-77 </b:ID><b:IssueDate>2026-10-31+09:00</b:IssueDate><b:DocumentCurrencyCode>JPY</b:DocumentCurrencyCode>
 <cac:AccountingSupplierParty><cac:Party>
  <cac:PostalAddress><b:StreetName>道玄坂1-10-8</b:StreetName><b:CityName>渋谷区</b:CityName>
   <b:CountrySubentity>東京都</b:CountrySubentity>
   <cac:Country><b:IdentificationCode>JP</b:IdentificationCode></cac:Country>
  </cac:PostalAddress>
  <cac:PartyTaxScheme><b:CompanyID>T2011001071234</b:CompanyID><cac:TaxScheme><b:ID>VAT</b:ID></cac:TaxScheme>
  </cac:PartyTaxScheme>
  <cac:PartyLegalEntity><b:RegistrationName>株式会社文具屋</b:RegistrationName></cac:PartyLegalEntity>
 </cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party><cac:PartyName><b:Name>渋谷区</b:Name></cac:PartyName></cac:Party>
 </cac:AccountingCustomerParty>
 <cac:TaxTotal><b:TaxAmount currencyID="JPY">8</b:TaxAmount>
  <cac:TaxSubtotal>
   <b:TaxableAmount currencyID="JPY">100</b:TaxableAmount><b:TaxAmount currencyID="JPY">8</b:TaxAmount>
   <cac:TaxCategory><b:ID>AA</b:ID><cac:TaxScheme><b:ID>VAT</b:ID></cac:TaxScheme></cac:TaxCategory>
  </cac:TaxSubtotal>
 </cac:TaxTotal>
 <cac:LegalMonetaryTotal><b:PayableAmount currencyID="JPY">108</b:PayableAmount></cac:LegalMonetaryTotal>
 <cac:InvoiceLine><b:ID>1</b:ID><b:InvoicedQuantity>4</b:InvoicedQuantity>
  <b:LineExtensionAmount currencyID="JPY">100</b:LineExtensionAmount>
  <cac:Item><b:Description>保存水</b:Description>
   <cac:ClassifiedTaxCategory><b:ID>AA</b:ID><b:Percent>8.0</b:Percent></cac:ClassifiedTaxCategory></cac:Item>
  <cac:Price><b:PriceAmount currencyID="JPY">25</b:PriceAmount></cac:Price></cac:InvoiceLine>
</Invoice>"""


def test_a_vendor_document_with_other_prefixes_and_a_split_address_is_read():
    doc = parse_ubl_xml(VENDOR_XML.encode("utf-8"))
    assert (doc.number, doc.issue_date, doc.due_date) == ("V-77", date(2026, 10, 31), None)
    assert (doc.seller_name, doc.seller_address, doc.buyer_name) == ("株式会社文具屋", "東京都 渋谷区 道玄坂1-10-8", "渋谷区")
    assert (doc.buyer_reference, doc.order_reference, doc.note) == (None, None, None)
    assert doc.lines == [UblLine("1", "保存水", D(4), "H87", D(25), D(100), EIGHT)]
    assert doc.lines[0].rate is EIGHT and list(doc.tax_by_rate) == [EIGHT]  # canonical rate, even from "8.0"
    assert (doc.tax_by_rate, doc.amount_by_rate, doc.payable_amount) == ({EIGHT: D(8)}, {EIGHT: D(100)}, D(108))
    assert check_qualified_invoice(ubl_to_qualified(doc)) == []
    utf16 = VENDOR_XML.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert parse_ubl_xml(utf16) == doc  # the encoding comes from the document


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
          b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&b;</Invoice>')
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&x;</Invoice>')
LAUGHS_UTF16 = LAUGHS.replace(b'"1.0"', b'"1.0" encoding="UTF-16"').decode("ascii").encode("utf-16")
PAYABLE = b'PayableAmount currencyID="JPY">341<'
LINE_CATEGORY = b"<cbc:ID>S</cbc:ID>\n        <cbc:Percent>10</cbc:Percent>"


def in_first_line(xml: bytes, old: bytes, new: bytes) -> bytes:
    start, end = xml.index(b"<cac:InvoiceLine>"), xml.index(b"</cac:InvoiceLine>")
    return xml[:start] + changed(xml[start:end], old, new) + xml[end:]


# Each case turns a good document (written by to_ubl_xml) into a bad one.
@pytest.mark.parametrize("spoil, named", [
    (lambda _: b"not xml at all", "XML"),
    (lambda _: b"", "XML"),
    (lambda xml: xml[:-30], "XML"),
    (lambda _: b'<?xml version="1.0"?><Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>',
     "Invoice"),
    (lambda xml: xml.replace(b"xsd:Invoice-2", b"xsd:CreditNote-2"), "Invoice"),
    (lambda xml: changed(xml, b"<cbc:ID>INV-2026-10-0001</cbc:ID>", b""), "cbc:ID"),
    (lambda xml: changed(xml, b"<cbc:ID>INV-2026-10-0001</cbc:ID>", b"<cbc:ID> </cbc:ID>"), "cbc:ID"),
    (lambda xml: changed(xml, b"<cbc:IssueDate>2026-10-31</cbc:IssueDate>", b""), "cbc:IssueDate"),
    (lambda xml: changed(xml, b"2026-10-31", b"2026-02-30"), "cbc:IssueDate"),
    (lambda xml: changed(xml, PAYABLE, PAYABLE.replace(b"341", b"12a")), "cac:LegalMonetaryTotal/cbc:PayableAmount"),
    (lambda xml: changed(xml, PAYABLE, PAYABLE.replace(b"JPY", b"USD")), "cac:LegalMonetaryTotal/cbc:PayableAmount"),
    (lambda xml: xml.replace(b"Code>JPY</cbc:Doc", b"Code>USD</cbc:Doc"), "cbc:DocumentCurrencyCode"),
    (lambda xml: in_first_line(xml, b">155</cbc:LineExtensionAmount>", b">1e3</cbc:LineExtensionAmount>"),
     "cac:InvoiceLine[1]/cbc:LineExtensionAmount"),
    (lambda xml: in_first_line(xml, b'unitCode="H87">1<', b'unitCode="H87">NaN<'),
     "cac:InvoiceLine[1]/cbc:InvoicedQuantity"),
    (lambda xml: in_first_line(xml, LINE_CATEGORY, b"<cbc:ID>XX</cbc:ID>"),
     "cac:InvoiceLine[1]/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"),
    (lambda xml: in_first_line(xml, LINE_CATEGORY, b"<cbc:ID>Z</cbc:ID><cbc:Percent>10</cbc:Percent>"),
     "税区分 Z（ゼロ税率）の税率は 0"),
    (lambda xml: xml.replace(b"<cbc:ID>S</cbc:ID>", b"<cbc:ID>E</cbc:ID>").replace(b"<cbc:Percent>10<", b"<cbc:Percent>0<"),
     "税区分 E（非課税）の消費税額は 0"),
    (lambda xml: xml.replace(b"<cbc:Percent>10</cbc:Percent>", b"<cbc:Percent>10%</cbc:Percent>"), "cbc:Percent"),
    (lambda _: LAUGHS, "DOCTYPE"),
    (lambda _: EXTERNAL, "DOCTYPE"),
    (lambda _: LAUGHS_UTF16, "DOCTYPE"),  # a byte search for "<!DOCTYPE" would miss this one
    (lambda xml: xml.replace(b"<cbc:Note>", b"<cbc:Note>" + b"x" * (5 * 1024 * 1024)), "5 MB"),
    (lambda xml: xml.replace(b"encoding='UTF-8'", b"encoding='Shift_JIS'", 1), "UTF-8"),
    (lambda xml: xml.replace(b"encoding='UTF-8'", b"encoding='EBCDIC-lies'", 1), "UTF-8"),
    (lambda xml: in_first_line(xml, b">155</cbc:LineExtensionAmount>", b">" + b"1" * 40 + b"</cbc:LineExtensionAmount>"),
     "cac:InvoiceLine[1]/cbc:LineExtensionAmount"),
    (lambda xml: changed(xml, PAYABLE, PAYABLE.replace(b"341", b"10000000000000")),
     "cac:LegalMonetaryTotal/cbc:PayableAmount"),
    (lambda xml: in_first_line(xml, b'unitCode="H87">1<', b'unitCode="H87">0.000001<'),
     "cac:InvoiceLine[1]/cbc:InvoicedQuantity"),
])
def test_broken_or_hostile_documents_are_refused_in_japanese_naming_the_element(spoil, named):
    with pytest.raises(UblError) as refused:
        parse_ubl_xml(spoil(to_ubl_xml(document(PENS))))
    message = str(refused.value)
    assert named in message and JAPANESE.search(message), message
