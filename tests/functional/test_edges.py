"""What a careless or hostile request gets: no open redirect, a 404 for any id out of range, a
proper 413 naming the limit, 405 with Allow, and no private page or download kept in a cache."""
import io

import pytest

from tests.catalog_data import inspected_last_month
from tests.helpers import api_token, csrf_token


@pytest.mark.parametrize("target", ["//evil.example/", "/%09/evil.example/", "/\t/evil.example/", "/\\evil.example",
                                    "/\\/evil.example", "https://evil.example/", "javascript:alert(1)", "/\n/evil"])
def test_next_never_leaves_the_site(client, login, target):
    from procure.redirects import safe_next

    assert safe_next(target.replace("%09", "\t"), "/home") == "/home"
    response = client.get("/lang/en", query_string={"next": target})
    location = response.headers["Location"]
    assert response.status_code == 302 and location in ("/", "http://localhost/"), location
    login("staff@shibuya.example.jp")
    token = csrf_token(client, "/ward/catalog")
    added = client.post("/ward/cart/add", data={"csrf_token": token, "next": target})
    assert "evil" not in added.headers.get("Location", ""), added.headers.get("Location")


def test_a_local_next_is_kept():
    from procure.redirects import safe_next

    assert safe_next("/ward/catalog?q=ペン", "/") == "/ward/catalog?q=ペン"


@pytest.mark.parametrize("big", [2 ** 31, 2 ** 63, 2 ** 64, 10 ** 30])
def test_an_id_out_of_range_is_a_404_on_pages_and_the_api(client, login, big):
    token = api_token(client, "staff@shibuya.example.jp")
    api = client.get(f"/api/v1/orders/{big}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 404 and api.is_json
    login("staff@shibuya.example.jp")
    assert client.get(f"/ward/orders/{big}").status_code == 404
    assert client.get(f"/invoices/{big}").status_code == 404


def test_an_oversized_upload_is_a_413_naming_the_limit(app, client, login):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    login("vendor@bunguya.example.jp")
    token = csrf_token(client, "/vendor/catalog")
    response = client.post("/vendor/catalog", data={"csrf_token": token,
                                                    "file": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "1 MB まで" in response.get_data(as_text=True)
    api_token_value = api_token(app.test_client(), "vendor@bunguya.example.jp")
    api = app.test_client().post("/api/v1/catalog/uploads", data=b"x" * (2 * 1024 * 1024),
                                 headers={"Authorization": f"Bearer {api_token_value}",
                                          "Content-Type": "application/octet-stream"})
    assert api.status_code == 413 and "1 MB まで" in api.get_json()["error"]["message"]


def test_a_wrong_method_is_a_405_with_allow(client, login):
    login("staff@shibuya.example.jp")
    response = client.delete("/ward/orders")
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    api = client.delete("/api/v1/me")
    assert api.status_code == 405 and "GET" in api.headers["Allow"]


def test_private_downloads_are_not_cached(app, client, login):
    from tests.functional.test_invoicing import generate

    year, month, _ = inspected_last_month(app)
    invoice_id = generate(app, year, month)[0]
    login("inspector@shibuya.example.jp")
    for url in (f"/invoices/{invoice_id}.pdf", f"/invoices/{invoice_id}.xml", "/invoices.csv", "/invoices.xlsx",
                f"/invoices/{invoice_id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_numbers_past_what_the_database_holds_are_422_not_500(client):
    token = api_token(client, "staff@shibuya.example.jp")
    headers = {"Authorization": f"Bearer {token}"}
    for url in ("/api/v1/catalog/items?vendor_id=" + str(2 ** 70), "/api/v1/catalog/items?offset=-1",
                "/api/v1/orders?limit=abc"):
        response = client.get(url, headers=headers)
        assert response.status_code == 422 and response.is_json, url
    order = client.post("/api/v1/orders", headers=headers | {"Idempotency-Key": "big-1"},
                        json={"facility_id": 2 ** 70, "department_id": 1, "budget_id": 1,
                              "lines": [{"item_id": 1, "quantity": 1}]})
    assert order.status_code == 422 and order.get_json()["error"]["field"] == "facility_id"
