"""JP PINT UBL XML: round trip, required elements, qualified-invoice checks, hostile input."""
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from invoicing.tax import TaxLine, check_qualified_invoice, tax_summary
from invoicing.ubl import NS, UblError, UblInvoice, UblLine, parse_ubl_xml, to_ubl_xml, ubl_to_qualified


def make(lines, registration="T2011001071234", buyer="渋谷区"):
    buckets = tax_summary([TaxLine(l.amount, l.rate) for l in lines], "down")
    return UblInvoice(number="INV-1", issue_date=date(2026, 10, 31), due_date=date(2026, 11, 30),
                      seller_name="株式会社文具屋", seller_registration_number=registration,
                      seller_address="東京都渋谷区道玄坂1-10-8", buyer_name=buyer, buyer_address="東京都渋谷区宇田川町1-1",
                      buyer_reference="131130", order_reference="42", lines=lines,
                      tax_by_rate={r: b.tax for r, b in buckets.items()},
                      amount_by_rate={r: b.taxable_amount for r, b in buckets.items()},
                      payable_amount=sum((b.amount_including_tax for b in buckets.values()), Decimal(0)))


PENS = [UblLine("1", "油性ボールペン", Decimal(1), "H87", Decimal(155), Decimal(155), Decimal("0.10"), "7"),
        UblLine("2", "ゲルインクボールペン", Decimal(1), "H87", Decimal(155), Decimal(155), Decimal("0.10"), "8")]


def test_two_155_yen_lines_give_31_yen_tax_and_the_required_elements():
    root = ET.fromstring(to_ubl_xml(make(PENS)))
    assert root.findtext("cbc:CustomizationID", namespaces=NS) == "urn:peppol:pint:billing-1@jp-1"
    assert root.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS) == "31"
    assert root.find("cac:TaxTotal/cbc:TaxAmount", NS).get("currencyID") == "JPY"
    assert root.findtext("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
                         namespaces=NS) == "T2011001071234"
    assert root.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", namespaces=NS) == "S"
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "341"
    assert root.findtext("cac:InvoiceLine/cac:OrderLineReference/cbc:LineID", namespaces=NS) == "7"
    assert root.findtext("cbc:InvoiceTypeCode", namespaces=NS) == "380"


def test_reduced_rate_lines_use_category_aa():
    water = UblLine("1", "保存水", Decimal(2), "H87", Decimal("1150"), Decimal(2300), Decimal("0.08"))
    root = ET.fromstring(to_ubl_xml(make([water])))
    assert root.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID", namespaces=NS) == "AA"
    assert root.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", namespaces=NS) == "8"


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@given(st.lists(st.tuples(st.integers(1, 500), prices, st.sampled_from([Decimal("0.10"), Decimal("0.08")])),
                min_size=1, max_size=8))
def test_round_trip(specs):
    lines = [UblLine(str(i), f"品目{i}", Decimal(q), "H87", p, (q * p).quantize(Decimal(1), rounding="ROUND_DOWN"), r,
                     str(100 + i)) for i, (q, p, r) in enumerate(specs, start=1)]
    doc = make(lines)
    back = parse_ubl_xml(to_ubl_xml(doc))
    assert back == doc


def test_qualified_checks_pass_on_a_good_document_and_name_the_broken_rule():
    assert check_qualified_invoice(ubl_to_qualified(parse_ubl_xml(to_ubl_xml(make(PENS))))) == []
    bad = ubl_to_qualified(parse_ubl_xml(to_ubl_xml(make(PENS, registration="T2011001071235", buyer=""))))
    fields = {v.field for v in check_qualified_invoice(bad)}
    assert "recipient_name" in fields and any("registration" in f for f in fields)


@pytest.mark.parametrize("data, words", [
    (b"not xml", "XML"),
    (b'<?xml version="1.0"?><Order xmlns="urn:x"/>', "Invoice"),
    (to_ubl_xml(make(PENS)).replace(b"<cbc:ID>INV-1</cbc:ID>", b""), "cbc:ID"),
    (to_ubl_xml(make(PENS)).replace(b">341<", b">34a<"), "数値"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "DOCTYPE"),
])
def test_hostile_or_broken_documents_are_refused_with_a_reason(data, words):
    with pytest.raises(UblError, match=words):
        parse_ubl_xml(data)
