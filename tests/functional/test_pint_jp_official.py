"""Invoices as JP PINT XML, judged by the official OpenPeppol PINT JP 1.1.3 rules (Saxon over
the compiled Schematron kept in tests/official): what the app issues has no fatal error, and an
invoice those rules accept is accepted on upload even when it names the ward only by its Peppol
address."""
from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from tests.catalog_data import inspected_last_month
from tests.functional.test_invoice_upload_and_discrepancies import VENDOR, generate, ubl_for_last_month, upload
from tests.helpers import unit_of_work
from tests.official import ubl
from tests.official.pint_jp import failures, fatal


def test_the_rules_are_the_official_ones_and_they_bite():
    from invoicing.ubl import to_ubl_xml
    from tests.unit.test_invoicing_ubl import PENS, document

    bare = failures(to_ubl_xml(document(PENS)))  # no electronic addresses, no period
    assert {f["id"] for f in bare} >= {"ibr-080", "ibr-081", "aligned-ibrp-052"}


def test_the_ubl_schema_is_the_official_one_and_it_bites():
    from invoicing.ubl import to_ubl_xml
    from tests.unit.test_invoicing_ubl import PENS, document

    xml = to_ubl_xml(document(PENS))
    assert ubl.errors(xml) == []
    misordered = xml.replace(b"<cbc:IssueDate>", b"<cbc:Note>out of order</cbc:Note><cbc:IssueDate>", 1)
    assert any("Note" in e for e in ubl.errors(misordered))
    unknown = xml.replace(b"<cbc:IssueDate>", b"<cbc:IssueDay>2026-01-01</cbc:IssueDay><cbc:IssueDate>", 1)
    assert any("IssueDay" in e for e in ubl.errors(unknown))


def test_an_issued_invoice_passes_the_official_rules(app, client, login):
    year, month, _ = inspected_last_month(app)
    invoice_id = generate(app, year, month)[0]
    login(VENDOR)
    xml = client.get(f"/invoices/{invoice_id}.xml").data
    assert ubl.errors(xml) == []  # the UBL 2.1 Invoice XSD
    assert fatal(xml) == []
    assert b'<cbc:EndpointID schemeID="0188">9000020131130</cbc:EndpointID>' in xml  # 渋谷区's 法人番号
    assert b"<cbc:StartDate>" in xml and b"<cbc:EndDate>" in xml


def test_a_valid_invoice_naming_the_ward_only_by_its_peppol_address_is_accepted(app, client, login):
    from invoicing.models import Invoice
    from invoicing.ubl import parse_ubl_xml, to_ubl_xml
    from procure.extensions import db

    from procure.models import Vendor

    xml, _ = ubl_for_last_month(app)
    with unit_of_work(app):
        corporate = db.session.scalar(select(Vendor.corporate_number).filter_by(name="株式会社文具屋"))
    doc = parse_ubl_xml(xml)
    login(VENDOR)
    stranger = upload(client, to_ubl_xml(replace(doc, seller_endpoint="7011101045678")))
    assert stranger.status_code == 422 and "貴社の法人番号" in stranger.get_data(as_text=True)
    doc = replace(doc, buyer_reference="総務部 契約課", buyer_endpoint="9000020131130",
                  seller_endpoint=corporate, period_start=date(doc.issue_date.year, doc.issue_date.month, 1),
                  period_end=doc.issue_date)
    xml = to_ubl_xml(doc)
    assert ubl.errors(xml) == [] and fatal(xml) == []  # what an access point would accept
    response = upload(client, xml)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    with unit_of_work(app):
        invoice = db.session.scalar(select(Invoice))
        assert (invoice.ward.code, invoice.total) == ("131130", Decimal(673))
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1


def test_the_kept_validators_accept_openpeppols_own_examples():
    from tests.official.pint_jp_examples import examples

    found = examples()
    assert len(found) == 9
    for name, data in found.items():
        assert ubl.errors(data) == [] and fatal(data) == [], name


def test_every_official_jpy_example_is_accepted_on_upload_unchanged(app, client, login):
    """OpenPeppol's examples, addressed from 文具屋 to 渋谷区 and otherwise unchanged, are accepted:
    line and document allowances and charges, prices per base quantity, a return (negative
    quantities), lines outside the tax (E 非課税, O 不課税). Each adjustment is stored as a line of
    its own, the totals are the document's, and the stored invoice exports valid again with the
    same tax breakdown. Only the example invoiced in EUR is refused, saying why."""
    from invoicing.models import Invoice
    from invoicing.ubl import parse_ubl_xml
    from procure.extensions import db
    from procure.models import Vendor
    from tests.official.pint_jp_examples import addressed, examples

    with unit_of_work(app):
        vendor = db.session.scalar(select(Vendor).filter_by(name="株式会社文具屋"))
        corporate, registration = vendor.corporate_number, vendor.invoice_registration_number
    login(VENDOR)
    accepted = 0
    for number, (name, data) in enumerate(examples().items(), start=1):
        document = addressed(data, f"PINT-EX-{number}", corporate, registration, "9000020131130")
        response = upload(client, document)
        if "TaxAcctCur" in name:  # invoiced in EUR: refused, saying so
            assert response.status_code == 422 and "JPY のみ" in response.get_data(as_text=True)
            continue
        assert response.status_code == 302, (name, response.get_data(as_text=True)[:600])
        accepted += 1
        doc = parse_ubl_xml(document)
        with unit_of_work(app):
            invoice = db.session.scalar(select(Invoice).filter_by(number=f"PINT-EX-{number}"))
            assert invoice.total == doc.payable_amount, name
            assert invoice.amount_non_taxable == sum(doc.non_taxable_by_category.values()), name
            assert invoice.non_taxable_by_category == doc.non_taxable_by_category, name
            assert sum(line.amount for line in invoice.lines) == (
                sum(doc.amount_by_rate.values()) + invoice.amount_non_taxable), name
            invoice_id = invoice.id
        again = client.get(f"/invoices/{invoice_id}.xml").data
        assert ubl.errors(again) == [] and fatal(again) == [], (name, fatal(again)[:2])
        exported = parse_ubl_xml(again)
        assert (exported.amount_by_rate, exported.tax_by_rate, exported.non_taxable_by_category) == (
            doc.amount_by_rate, doc.tax_by_rate, doc.non_taxable_by_category), name
        assert client.get(f"/invoices/{invoice_id}").status_code == 200
        assert client.get(f"/invoices/{invoice_id}.pdf").status_code == 200
    assert accepted == 8
    with unit_of_work(app):
        charged = db.session.scalar(select(Invoice).filter_by(number="PINT-EX-6"))  # Example5-AllowanceCharge
        assert [(line.description, line.quantity, line.amount) for line in charged.lines
                if not line.non_taxable_category] == [
            ("デスクチェア", 5, 250000), ("1行目の値引：値引", -1, -1500), ("1行目の加算：クリーニング", 1, 1500),
            ("コピー用紙（A4）", 5, 2500), ("値引：値引", -1, -179), ("加算：配送サービス", 1, 7679)]
        outside = db.session.scalar(select(Invoice).filter_by(number="PINT-EX-9"))  # Example9: E and O lines
        assert outside.non_taxable_by_category == {"E": Decimal(3490), "O": Decimal(70000)}
        assert outside.amount_non_taxable == Decimal(73490) and outside.total == Decimal(359490)
        untaxed = [line for line in outside.lines if line.non_taxable_category]
        assert {line.non_taxable_category for line in untaxed} == {"E", "O"}
        assert all(line.tax_rate == 0 and not line.matched and line.order_line_id is None and
                   line.discrepancies[0]["code"] == "non_taxable_line" for line in untaxed)
