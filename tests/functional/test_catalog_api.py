"""Catalog API: ward systems search and order; vendor systems upload, confirm and ship."""
import io
import uuid
from datetime import timedelta

from tests.catalog_data import catalog_row, catalog_xlsx, order_refs, place
from tests.helpers import api_token, unit_of_work


def bearer(client, email):
    return {"Authorization": f"Bearer {api_token(client, email)}"}


def test_ward_system_searches_and_places_an_order_idempotently(app, client):
    headers = bearer(client, "staff@shibuya.example.jp")
    items = client.get("/api/v1/catalog/items?q=ボールペン", headers=headers).get_json()["items"]
    pen = next(i for i in items if i["sku"] == "B-PEN-001")
    assert pen["contract_price"] == "68.0000" or pen["contract_price"].startswith("68")
    with unit_of_work(app):
        refs = order_refs("staff@shibuya.example.jp")
    body = {**refs, "lines": [{"item_id": pen["id"], "quantity": 10}]}
    no_key = client.post("/api/v1/orders", json=body, headers=headers)
    assert no_key.status_code == 422 and no_key.get_json()["error"]["field"] == "Idempotency-Key"
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = client.post("/api/v1/orders", json=body, headers=headers | key)
    again = client.post("/api/v1/orders", json=body, headers=headers | key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.get_json()["status"] == "approved"
    bad = client.post("/api/v1/orders", json=body | {"lines": [{"item_id": pen["id"], "quantity": 1}]},
                      headers=headers | {"Idempotency-Key": "k2"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "quantity"
    listed = client.get("/api/v1/orders", headers=headers).get_json()["orders"]
    assert [o["id"] for o in listed] == [first.get_json()["id"]]


def test_vendor_system_lists_new_orders_confirms_and_ships(app, client):
    from procure.formatting import today_in_tokyo

    with unit_of_work(app):
        order_id = place().id
    headers = bearer(client, "vendor@bunguya.example.jp")
    new = client.get("/api/v1/orders?fulfilment=open", headers=headers).get_json()["orders"]
    assert [o["id"] for o in new] == [order_id]
    confirmed = client.post(f"/api/v1/orders/{order_id}/confirm", headers=headers).get_json()
    assert {l["fulfilment"] for l in confirmed["lines"]} == {"confirmed"}
    assert client.get("/api/v1/orders?fulfilment=open", headers=headers).get_json()["orders"] == []
    line = confirmed["lines"][0]
    day = (today_in_tokyo() + timedelta(days=1)).isoformat()
    response = client.post(f"/api/v1/orders/{order_id}/deliveries", headers=headers, json={
        "note_number": "API-1", "delivered_on": day, "lines": [{"order_line_id": line["id"], "quantity": 99}]})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == f"qty_{line['id']}"
    response = client.post(f"/api/v1/orders/{order_id}/deliveries", headers=headers, json={
        "note_number": "API-1", "delivered_on": day, "lines": [{"order_line_id": line["id"], "quantity": 10}]})
    assert response.status_code == 201
    pdf = client.get(response.get_json()["delivery_note_pdf"], headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    other = bearer(client, "vendor@pc.example.jp")
    assert client.get(f"/api/v1/orders/{order_id}", headers=other).status_code == 404


def test_vendor_system_uploads_a_catalog(app, client):
    headers = bearer(client, "vendor@bunguya.example.jp")
    content = catalog_xlsx([catalog_row("API-1"), catalog_row("API-2", tax_rate="7%")])
    response = client.post("/api/v1/catalog/uploads", headers=headers,
                           data={"file": (io.BytesIO(content), "c.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 202
    body = response.get_json()
    app.extensions["jobs"].wait(body["job"]["id"], 60)
    status = client.get(response.headers["Location"], headers=headers).get_json()
    assert status["status"] == "invalid"
    assert status["errors"] == [{"row": 3, "column": "税率", "message": status["errors"][0]["message"]}]
    assert "10%" in status["errors"][0]["message"]


def test_openapi_documents_the_catalog_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/catalog/items", "/orders", "/orders/{order_id}/confirm", "/orders/{order_id}/deliveries",
                 "/catalog/uploads"):
        assert path in paths


def test_a_nested_field_at_fault_is_named_with_its_path(client):
    headers = {**bearer(client, "staff@shibuya.example.jp"), "Idempotency-Key": "nested"}
    body = {"facility_id": 1, "department_id": 1, "budget_id": 1, "lines": [{"item_id": 1, "quantity": 0}]}
    error = client.post("/api/v1/orders", json=body, headers=headers).get_json()["error"]
    assert error["field"] == "lines[0].quantity" and error["code"] == "invalid"
    assert error["message"].startswith("lines[0].quantity: ")
    body["lines"][0] = {"item_id": 1, "quantity": 1, "colour": "red"}
    error = client.post("/api/v1/orders", json=body, headers=headers).get_json()["error"]
    assert error["field"] == "lines[0].colour"
