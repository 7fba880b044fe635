"""Every role against every protected URL: allowed, refused (403), hidden (404), or sent to sign in."""
import pytest
from sqlalchemy import select

from tests.helpers import api_token, sign_in

ROLE_USERS = {
    "ward_staff": "staff@shibuya.example.jp",
    "ward_approver": "approver@shibuya.example.jp",
    "ward_inspector": "inspector@shibuya.example.jp",
    "other_ward_staff": "staff@setagaya.example.jp",
    "office": "office@example.jp",
    "vendor": "vendor@bunguya.example.jp",
}
WARD = {"ward_staff", "ward_approver", "ward_inspector", "other_ward_staff"}
SHIBUYA = {"ward_staff", "ward_approver", "ward_inspector"}
EVERYONE = set(ROLE_USERS)

# url -> (roles answered 200/302, roles answered 404 because the row is not theirs)
# Everyone else signed in gets 403. Placeholders are filled from the seed.
PAGES = {
    "/": (EVERYONE, set()),
    "/ward/": (WARD, set()),
    "/ward/facilities": (WARD, set()),
    "/ward/facilities/{shibuya_facility}": (SHIBUYA | {"office"}, {"other_ward_staff"}),
    "/office/": ({"office"}, set()),
    "/office/wards/131130": ({"office"}, set()),
    "/office/vendors": ({"office"}, set()),
    "/office/vendors/{bunguya}": ({"office"}, set()),
    "/office/audit": ({"office"}, set()),
    "/vendor/": ({"vendor"}, set()),
    "/office/pricing/simulation": ({"office"}, set()),
    "/office/pricing/simulation-template.xlsx": ({"office"}, set()),
}
API = {
    "/api/v1/me": EVERYONE,
    "/api/v1/wards": EVERYONE,
}
# POST-only API calls, checked with an empty JSON body: 403 before any validation.
API_POST = {
    "/api/v1/pricing/allocate": {"office"},
}
PUBLIC_ENDPOINTS = {"static", "auth.login", "home.set_language", "api.create_token", "api.openapi"}


@pytest.fixture
def ids(app):
    from procure.extensions import db
    from procure.models import Facility, Vendor, Ward

    with app.app_context():
        shibuya = db.session.scalar(select(Ward).filter_by(code="131130"))
        return {
            "shibuya_facility": db.session.scalar(select(Facility.id).filter_by(ward_id=shibuya.id)),
            "bunguya": db.session.scalar(select(Vendor.id).filter_by(corporate_number="2011001071234")),
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
def test_role_by_api_matrix(app, role):
    client = app.test_client()
    token = api_token(client, ROLE_USERS[role])
    for url, allowed in API.items():
        status = client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code
        assert status == (200 if role in allowed else 403), f"{role} GET {url}: {status}"
    for url, allowed in API_POST.items():
        status = client.post(url, json={}, headers={"Authorization": f"Bearer {token}"}).status_code
        assert (status != 403) == (role in allowed), f"{role} POST {url}: {status}"


@pytest.mark.parametrize("url", API)
def test_api_without_token_is_401_json(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401


def test_api_ignores_session_cookies(client, login):
    login("office@example.jp")
    assert client.get("/api/v1/me").status_code == 401


def test_every_route_is_in_the_matrix_or_public(app):
    covered = set(PAGES) | set(API) | set(API_POST) | {"/logout", "/api/v1/tokens/current"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = rule.rule.replace("<int:facility_id>", "{shibuya_facility}").replace(
            "<int:vendor_id>", "{bunguya}").replace("<code>", "131130")
        assert path in covered, f"{rule.rule} ({rule.endpoint}) is not in the access matrix"


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
