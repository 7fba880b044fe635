"""Every role against every protected URL: allowed, refused (403), hidden (404), or sent to sign in."""
import pytest
from sqlalchemy import select

from tests import catalog_data
from tests.catalog_data import delivered_order, inspected_last_month
from tests.helpers import CSRF_INPUT, api_token, sign_in, unit_of_work

ROLE_USERS = {
    "ward_staff": "staff@shibuya.example.jp",
    "ward_approver": "approver@shibuya.example.jp",
    "ward_inspector": "inspector@shibuya.example.jp",
    "other_ward_staff": "staff@setagaya.example.jp",
    "office": "office@example.jp",
    "vendor": "vendor@bunguya.example.jp",
    "other_vendor": "vendor@pc.example.jp",
}
WARD = {"ward_staff", "ward_approver", "ward_inspector", "other_ward_staff"}
SHIBUYA = {"ward_staff", "ward_approver", "ward_inspector"}
EVERYONE = set(ROLE_USERS)
VENDORS = {"vendor", "other_vendor"}
ORDERING = {"ward_staff", "ward_approver", "other_ward_staff"}

# url -> (roles answered 200/302, roles answered 404 because the row is not theirs)
# Everyone else signed in gets 403. Placeholders are filled from the seed.
PAGES = {
    "/": (EVERYONE, set()),
    "/account/password": (EVERYONE, set()),
    "/ward/": (WARD, set()),
    "/ward/facilities": (WARD, set()),
    "/ward/facilities/{shibuya_facility}": (SHIBUYA | {"office"}, {"other_ward_staff"}),
    "/office/": ({"office"}, set()),
    "/office/wards/131130": ({"office"}, set()),
    "/office/vendors": ({"office"}, set()),
    "/office/vendors/{bunguya}": ({"office"}, set()),
    "/office/audit": ({"office"}, set()),
    "/office/audit.xlsx": ({"office"}, set()),
    "/vendor/": (VENDORS, set()),
    "/office/pricing/simulation": ({"office"}, set()),
    "/office/pricing/simulation-template.xlsx": ({"office"}, set()),
    # catalog and ordering
    "/ward/catalog": (WARD | {"office"}, set()),
    "/ward/cart": (ORDERING, set()),
    "/ward/orders": (WARD, set()),
    "/ward/orders/{order}": (SHIBUYA, {"other_ward_staff"}),
    "/ward/orders/{order}/order.pdf": (SHIBUYA, {"other_ward_staff"}),
    "/ward/approvals": ({"ward_approver"}, set()),
    "/ward/budgets": (WARD, set()),
    "/ward/inspections": (WARD, set()),
    "/ward/replenish/": (WARD, set()),
    "/ward/replenish/{space}": (SHIBUYA, {"other_ward_staff"}),
    "/records": (WARD | {"office"}, set()),
    "/records.xlsx": (WARD | {"office"}, set()),
    "/records.pdf": (WARD | {"office"}, set()),
    "/adjustments": (EVERYONE, set()),
    "/deliveries/{delivery}": (SHIBUYA | {"office", "vendor"}, {"other_ward_staff", "other_vendor"}),
    "/deliveries/{delivery}/note.pdf": (SHIBUYA | {"office", "vendor"}, {"other_ward_staff", "other_vendor"}),
    "/deliveries/{delivery}/inspection.pdf": (set(), EVERYONE),  # the delivery of the fixture is not inspected: 404
    "/jobs/{job}": ({"vendor", "office"}, EVERYONE - {"vendor", "office"}),
    "/jobs": (EVERYONE, set()),
    "/office/catalog/": ({"office"}, set()),
    "/office/catalog/{version}": ({"office"}, set()),
    "/office/catalog/month-close": ({"office"}, set()),
    "/office/catalog/agreements": ({"office"}, set()),
    "/vendor/catalog": (VENDORS, set()),
    "/vendor/catalog/template.xlsx": (VENDORS | {"office"}, set()),
    "/vendor/catalog/{version}": ({"vendor"}, {"other_vendor"}),
    "/vendor/orders": (VENDORS, set()),
    "/vendor/orders/{order}": ({"vendor"}, {"other_vendor"}),
    # invoicing
    "/invoices": (WARD | VENDORS | {"office"}, set()),
    "/invoices/{invoice}": (SHIBUYA | {"office", "vendor"}, {"other_ward_staff", "other_vendor"}),
    "/invoices/{invoice}.pdf": (SHIBUYA | {"office", "vendor"}, {"other_ward_staff", "other_vendor"}),
    "/cost-shares/{bill}.pdf": (SHIBUYA | {"office"}, {"other_ward_staff"}),  # the demo's Shibuya bill
    "/invoices/{invoice}.xml": (SHIBUYA | {"office", "vendor"}, {"other_ward_staff", "other_vendor"}),
    "/invoices.xlsx": (WARD | VENDORS | {"office"}, set()),
    "/invoices.csv": (WARD | VENDORS | {"office"}, set()),
    "/ward/payments": (WARD, set()),
    "/ward/billing": (WARD, set()),
    "/vendor/account": (VENDORS, set()),
    "/ward/account": (WARD, set()),
    "/office/account": ({"office"}, set()),
    "/vendor/invoices/template.xlsx": (VENDORS, set()),
    "/ward/payments/zengin/{batch}.txt": (SHIBUYA, {"other_ward_staff"}),
    "/office/invoices/batch": ({"office"}, set()),
    "/office/payments/reconciliation": ({"office"}, set()),
    # tenders (the fixture's tender is collecting demand: wards may look, vendors not yet)
    "/office/tenders": ({"office"}, set()),
    "/office/tenders/{tender}": ({"office"}, set()),
    "/office/fees": ({"office"}, set()),
    "/office/fees/{contract}": (set(), {"office"}),  # no such contract: 404
    "/office/fees/{contract}/units-template.xlsx": (set(), {"office"}),
    "/ward/fees": (WARD, set()),
    "/office/cost-shares": ({"office"}, set()),
    "/ward/cost-shares": (WARD, set()),
    "/office/tenders/{tender}/simulation": ({"office"}, set()),
    "/office/catalog/pooled-pricing": ({"office"}, set()),
    "/office/savings": ({"office"}, set()),
    "/office/savings.xlsx": ({"office"}, set()),
    "/ward/savings": (WARD, set()),
    "/ward/tenders": (WARD, set()),
    "/ward/tenders/{tender}": (WARD, set()),
    "/ward/tenders/facilities-template.xlsx": (WARD, set()),
    "/vendor/tenders": (VENDORS, set()),
    "/vendor/tenders/{tender}": (set(), VENDORS),
    "/vendor/contracts/{contract}": (set(), VENDORS),
    "/tender-contracts/{contract}/contract.pdf": (set(), WARD | VENDORS | {"office"}),  # no such contract: 404
}
# Form posts, sent with a valid CSRF token and no fields: refused (403) or hidden (404) before
# any validation; allowed roles get a validation answer instead.
FORM_POST = {
    "/ward/cart/add": (ORDERING, set()),
    "/ward/approval-rule": ({"ward_approver"}, set()),
    "/ward/cart/update": (ORDERING, set()),
    "/ward/orders": (ORDERING, set()),
    "/ward/orders/{order}/lines/{line}/decision": ({"ward_approver"}, set()),
    "/ward/replenish/{space}": (SHIBUYA, {"other_ward_staff"}),
    "/ward/replenish/{space}/cart": (ORDERING - {"other_ward_staff"}, {"other_ward_staff"}),
    "/ward/replenish/{space}/par": (ORDERING - {"other_ward_staff"}, {"other_ward_staff"}),
    "/deliveries/{delivery}/inspection": ({"ward_inspector"}, set()),
    "/vendor/catalog": (VENDORS, set()),
    "/vendor/orders/{order}/confirm": ({"vendor"}, {"other_vendor"}),
    "/vendor/orders/{order}/deliveries": ({"vendor"}, {"other_vendor"}),
    "/office/catalog/{version}/review": ({"office"}, set()),
    "/office/catalog/month-close": ({"office"}, set()),
    "/office/catalog/agreements": ({"office"}, set()),
    "/invoices/{invoice}/lines/{line}/resolution": ({"ward_inspector"}, set()),
    "/invoices/{invoice}/stripe": ({"ward_inspector"}, set()),
    "/ward/payments": (WARD, set()),
    "/ward/payments/zengin/{batch}/confirm": ({"ward_inspector"}, set()),
    "/ward/payments/zengin/{batch}/send": ({"ward_inspector"}, set()),
    "/ward/billing": (WARD, set()),
    "/vendor/invoices/generate": (VENDORS, set()),
    "/vendor/invoices/upload": (VENDORS, set()),
    "/office/invoices/batch": ({"office"}, set()),
    "/office/payments/reconciliation": ({"office"}, set()),
    "/office/tenders": ({"office"}, set()),
    "/office/tenders/{tender}/patterns": ({"office"}, set()),
    "/office/tenders/{tender}/lots": ({"office"}, set()),
    "/office/tenders/{tender}/pricing-policy": ({"office"}, set()),
    "/office/tenders/{tender}/reference-rates": ({"office"}, set()),
    "/jobs/{job}/cancel": ({"vendor", "office"}, EVERYONE - {"vendor", "office"}),
    "/jobs/{job}/retry": ({"vendor", "office"}, EVERYONE - {"vendor", "office"}),
    "/vendor/account": (VENDORS, set()),
    "/ward/account": (WARD, set()),
    "/office/account": ({"office"}, set()),
    "/office/fees": ({"office"}, set()),
    "/office/fees/{contract}": (set(), {"office"}),
    "/office/fees/{contract}/units": (set(), {"office"}),
    "/ward/fees": (WARD, set()),
    "/office/cost-shares": ({"office"}, set()),
    "/office/catalog/pooled-pricing": ({"office"}, set()),
    "/ward/cost-shares": ({"ward_inspector"}, set()),  # the payer makes the Zengin file
    "/office/tenders/{tender}/actions/publish": ({"office"}, set()),
    "/office/tenders/{tender}/questions/{question}/answer": (set(), {"office"}),  # no such question: 404
    "/ward/tenders/{tender}": (WARD, set()),
    "/vendor/tenders/{tender}": (set(), VENDORS),
    "/vendor/contracts/{contract}": (set(), VENDORS),
}
API = {
    "/api/v1/me": (EVERYONE, set()),
    "/api/v1/wards": (EVERYONE, set()),
    "/api/v1/catalog/items": (WARD | {"office"}, set()),
    "/api/v1/orders": (WARD | VENDORS, set()),
    "/api/v1/orders/{order}": (SHIBUYA | {"vendor"}, {"other_ward_staff", "other_vendor"}),
    "/api/v1/catalog/uploads/{version}": ({"vendor"}, {"other_vendor"}),
    "/api/v1/deliveries/{delivery}/note.pdf": (SHIBUYA | {"office", "vendor"}, {"other_ward_staff", "other_vendor"}),
    "/api/v1/tender-contracts/{contract}/bill?year=2026&month=1": (set(), WARD | VENDORS),
    "/api/v1/tenders/{tender}/pricing-policy": (WARD | {"office"}, VENDORS),  # collecting demand: not yet
    "/api/v1/tender-contracts": (EVERYONE, set()),
    "/api/v1/cost-shares": (WARD | {"office"}, set()),
    "/api/v1/savings": (WARD | {"office"}, set()),
    "/api/v1/fee-contracts/{contract}/fees?year=2026&month=1": (set(), WARD | {"office"}),
}
# POST-only API calls, checked with an empty JSON body: 403 before any validation.
API_POST = {
    "/api/v1/pricing/allocate": {"office"},
    "/api/v1/orders": ORDERING,
    "/api/v1/orders/{order}/confirm": VENDORS,
    "/api/v1/orders/{order}/deliveries": VENDORS,
    "/api/v1/catalog/uploads": VENDORS,
    "/api/v1/tender-contracts/{contract}/readings": VENDORS,
    "/api/v1/fee-contracts/{contract}/usage": WARD | {"office"},
}
DOWNLOADS = (".pdf", ".xlsx", ".csv", ".json", ".xml", ".txt")


def pages_of(role: str, refs: dict) -> list[str]:
    """The HTML pages of PAGES the role may open, with the rows of the `ids` fixture filled in."""
    return [path.format(**refs) for path, (allowed, _hidden) in PAGES.items()
            if role in allowed and not path.endswith(DOWNLOADS)]


PUBLIC_ENDPOINTS = {"static", "auth.login", "home.set_language", "api.create_token", "api.openapi",
                    "webhooks.stripe_webhook", "tenders.results", "tenders.ocds_release", "tenders.opening_record",
                    "tenders.opening_record_pdf", "tenders.ocds_bulk", "tenders.ocds_record"}


@pytest.fixture
def ids(app):
    from catalog.models import CatalogVersion
    from costshares.models import CostShareBill
    from procure.extensions import db
    from procure.jobs import Job
    from procure.models import Facility, Space, SpaceKind, Vendor, Ward

    refs = delivered_order(app)
    year, month, _ = inspected_last_month(app)
    with unit_of_work(app):
        from invoicing import payments, service
        from procure.formatting import today_in_tokyo

        invoice = service.generate_invoice(catalog_data.user("vendor@bunguya.example.jp").vendor,
                                           db.session.scalar(select(Ward).filter_by(code="131130")),
                                           year, month, None, today_in_tokyo())[0]
        refs["invoice"] = invoice.id
        batch = payments.zengin_batch(catalog_data.user("inspector@shibuya.example.jp"), [invoice.id],
                                      payments.earliest_transfer_date(today_in_tokyo(), 1), today_in_tokyo())
        refs["batch"] = batch.id
        from datetime import timedelta

        from procure.dbtypes import utcnow
        from tenders import service as tenders

        office = catalog_data.user("office@example.jp")
        tender = tenders.create_tender(office, "pc", "PC", utcnow() + timedelta(days=1),
                                       utcnow() + timedelta(days=2), utcnow() + timedelta(days=3), None)
        tenders.move(office, tender.id, "open_demand", utcnow())
        refs["tender"] = tender.id
        refs["question"] = 999999
        refs["contract"] = 999999  # no such contract: every caller gets 404 (403 for the wrong role)
        shibuya = db.session.scalar(select(Ward).filter_by(code="131130"))
        bunguya = db.session.scalar(select(Vendor.id).filter_by(corporate_number="2011001071234"))
        job = Job(kind="catalog_import", owner_id=catalog_data.user("vendor@bunguya.example.jp").id)
        db.session.add(job)
        db.session.commit()
        return refs | {
            "shibuya_facility": db.session.scalar(select(Facility.id).filter_by(ward_id=shibuya.id)),
            "bunguya": bunguya,
            "version": db.session.scalar(select(CatalogVersion.id).filter_by(vendor_id=bunguya)),
            "space": db.session.scalar(select(Space.id).join(Facility).where(
                Facility.ward_id == shibuya.id, Space.kind == SpaceKind.UTILITY)),
            "job": job.id,
            "bill": db.session.scalar(select(CostShareBill.id).filter_by(ward_id=shibuya.id)
                                      .order_by(CostShareBill.id)),
        }


@pytest.mark.parametrize("url", PAGES)
def test_pages_send_anonymous_visitors_to_sign_in(client, ids, url):
    response = client.get(url.format(**ids))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ROLE_USERS)
def test_role_by_page_matrix(app, ids, role):
    client = app.test_client()
    assert sign_in(client, ROLE_USERS[role]).status_code == 302
    for url, (allowed, hidden) in PAGES.items():
        status = client.get(url.format(**ids)).status_code
        if role in allowed:
            expected = {302} if url == "/" else {200}
        elif role in hidden:
            expected = {404}
        else:
            expected = {403}
        assert status in expected, f"{role} GET {url}: {status}, expected {expected}"


@pytest.mark.parametrize("role", ROLE_USERS)
def test_role_by_form_post_matrix(app, ids, role):
    client = app.test_client()
    assert sign_in(client, ROLE_USERS[role]).status_code == 302
    token = CSRF_INPUT.search(client.get("/", follow_redirects=True).get_data(as_text=True)).group(1)
    for url, (allowed, hidden) in FORM_POST.items():
        status = client.post(url.format(**ids), data={"csrf_token": token}).status_code
        if role in allowed:
            assert status not in (403, 404), f"{role} POST {url}: {status}"
        else:
            expected = 404 if role in hidden else 403
            assert status == expected, f"{role} POST {url}: {status}, expected {expected}"


@pytest.mark.parametrize("role", ROLE_USERS)
def test_role_by_api_matrix(app, ids, role):
    client = app.test_client()
    token = api_token(client, ROLE_USERS[role])
    for url, (allowed, hidden) in API.items():
        status = client.get(url.format(**ids), headers={"Authorization": f"Bearer {token}"}).status_code
        expected = 200 if role in allowed else 404 if role in hidden else 403
        assert status == expected, f"{role} GET {url}: {status}, expected {expected}"
    for url, allowed in API_POST.items():
        status = client.post(url.format(**ids), json={},
                             headers={"Authorization": f"Bearer {token}"}).status_code
        assert (status != 403) == (role in allowed), f"{role} POST {url}: {status}"


@pytest.mark.parametrize("url", [u for u in API if "{" not in u])
def test_api_without_token_is_401_json(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401


def test_api_ignores_session_cookies(client, login):
    login("office@example.jp")
    assert client.get("/api/v1/me").status_code == 401


def test_every_route_is_in_the_matrix_or_public(app):
    placeholders = {"<int:facility_id>": "{shibuya_facility}", "<int:vendor_id>": "{bunguya}",
                    "<code>": "131130", "<int:order_id>": "{order}", "<int:line_id>": "{line}",
                    "<int:delivery_id>": "{delivery}", "<int:space_id>": "{space}",
                    "<int:version_id>": "{version}", "<int:job_id>": "{job}",
                    "<int:invoice_id>": "{invoice}", "<int:batch_id>": "{batch}",
                    "<int:tender_id>": "{tender}", "<action>": "publish", "<int:contract_id>": "{contract}",
                    "<int:question_id>": "{question}", "<int:bill_id>": "{bill}"}
    gets = set(PAGES) | {url.split("?")[0] for url in API} | {"/api/v1/tokens/current"}
    posts = set(FORM_POST) | set(API_POST) | {"/logout"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = rule.rule
        for converter, placeholder in placeholders.items():
            path = path.replace(converter, placeholder)
        covered = (gets if "GET" in rule.methods or "DELETE" in rule.methods else set()) | (
            posts if "POST" in rule.methods else set())
        assert path in covered, f"{rule.rule} {sorted(rule.methods)} ({rule.endpoint}) is not in the access matrix"


def test_views_without_access_rule_are_refused(app, client, login):
    @app.get("/undeclared")
    def undeclared():
        return "should never be served"

    login("office@example.jp")
    assert client.get("/undeclared").status_code == 403


def test_ward_pages_show_only_own_ward(client, login):
    login("staff@setagaya.example.jp")
    page = client.get("/ward/facilities").get_data(as_text=True)
    assert "世田谷区役所 本庁舎" in page and "北沢総合支所" in page
    assert "渋谷区" not in page
    home = client.get("/ward/").get_data(as_text=True)
    assert "staff@setagaya.example.jp" in home and "shibuya" not in home
