"""Vendor catalog upload (background import with progress), office review and approval."""
import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.catalog_data import catalog_row, catalog_xlsx, item_id, place
from tests.helpers import csrf_token, unit_of_work

VENDOR = "vendor@bunguya.example.jp"


def upload(app, client, content: bytes, name="catalog.xlsx"):
    token = csrf_token(client, "/vendor/catalog")
    response = client.post("/vendor/catalog", data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    version_id = int(response.headers["Location"].rsplit("/", 1)[1])
    from catalog.models import CatalogVersion
    from procure.extensions import db

    with unit_of_work(app):
        job_id = db.session.get(CatalogVersion, version_id).job_id
    app.extensions["jobs"].wait(job_id, 60)
    return version_id


def version(app, version_id):
    from catalog.models import CatalogVersion
    from procure.extensions import db

    with unit_of_work(app):
        v = db.session.get(CatalogVersion, version_id)
        db.session.expunge(v)
        return v


def test_template_download_is_a_valid_upload(app, client, login):
    login(VENDOR)
    response = client.get("/vendor/catalog/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["カタログ"]
    assert [c.value for c in sheet[1]][:3] == ["SKU", "JANコード", "商品名"]
    version_id = upload(app, client, response.data)
    assert version(app, version_id).status == "pending_review"


def test_bad_file_reports_every_row_and_field_and_imports_nothing(app, client, login):
    from catalog.models import CatalogItem
    from procure.extensions import db

    login(VENDOR)
    with unit_of_work(app):
        before = db.session.scalar(select(func.count()).select_from(CatalogItem))
    rows = [catalog_row("OK-1"), catalog_row("BAD-1", jan12="490123499999", tax_rate="5%"),
            catalog_row("BAD-2", contract_price="300", min_order_qty="2.5"), catalog_row("OK-1")]
    rows[1]["jan"] = rows[1]["jan"][:-1] + str((int(rows[1]["jan"][-1]) + 1) % 10)  # wrong check digit
    version_id = upload(app, client, catalog_xlsx(rows))
    v = version(app, version_id)
    assert v.status == "invalid" and v.item_count == 0
    found = {(e["row"], e["column"]) for e in v.errors}
    assert {(3, "JANコード"), (3, "税率"), (4, "契約単価"), (4, "最小発注数量"), (5, "SKU")} <= found
    page = client.get(f"/vendor/catalog/{version_id}").get_data(as_text=True)
    assert "何も取り込んでいません" in page and "チェックディジット" in page
    with unit_of_work(app):
        assert db.session.scalar(select(func.count()).select_from(CatalogItem)) == before


def test_full_width_digits_and_spaces_are_normalised(app, client, login):
    from catalog.models import CatalogItem
    from procure.extensions import db

    login(VENDOR)
    row = catalog_row("FW-1", name="　全角　テスト　", contract_price="１，２００", list_price="１５００円",
                      min_order_qty="１２", valid_from="２０２６年４月１日")
    version_id = upload(app, client, catalog_xlsx([row]))
    assert version(app, version_id).status == "pending_review"
    with unit_of_work(app):
        item = db.session.scalar(select(CatalogItem).filter_by(version_id=version_id))
        assert (item.name, str(item.contract_price.normalize()), item.min_order_qty) == ("全角 テスト", "1.2E+3", 12)


def test_office_sees_the_diff_and_approval_publishes_without_repricing_old_orders(app, client, login):
    from catalog.models import CatalogItem
    from catalog.order_models import OrderLine
    from procure.extensions import db
    from procure.formatting import today_in_tokyo

    with unit_of_work(app):
        old_order = place()  # B-PEN-001 at 68 yen
        old_line_id = old_order.lines[0].id
        demo = db.session.scalars(select(CatalogItem).filter_by(sku="B-PEN-001")).one()
    login(VENDOR)
    rows = [catalog_row("B-PEN-001", name=demo.name, spec=demo.spec, category=demo.category, unit=demo.unit,
                        list_price="120", contract_price="75", min_order_qty=10, jan=demo.jan),
            catalog_row("NEW-1", name="新商品ノート")]
    version_id = upload(app, client, catalog_xlsx(rows))
    diff = version(app, version_id).diff
    assert (diff["added"], diff["changed"], diff["price_up"], diff["removed"]) == (1, 1, 1, 19)
    assert diff["samples"]["changed"][0]["rate"] == "0.1029"

    client.post("/logout", data={"csrf_token": csrf_token(client, "/vendor/")})
    login("office@example.jp")
    page = client.get(f"/office/catalog/{version_id}").get_data(as_text=True)
    assert "price-up" in page and "新商品ノート" in page
    token = csrf_token(client, f"/office/catalog/{version_id}")
    yesterday = (today_in_tokyo() - timedelta(days=1)).isoformat()
    response = client.post(f"/office/catalog/{version_id}/review",
                           data={"csrf_token": token, "action": "approve", "effective_from": yesterday})
    assert response.status_code == 422 and "以降の日付" in response.get_data(as_text=True)
    response = client.post(f"/office/catalog/{version_id}/review", data={
        "csrf_token": token, "action": "approve", "effective_from": today_in_tokyo().isoformat()})
    assert response.status_code == 302
    with unit_of_work(app):
        assert version(app, version_id).status == "approved"
        new_item = db.session.get(CatalogItem, item_id("B-PEN-001"))
        assert new_item.version_id == version_id and new_item.contract_price == 75
        assert db.session.get(OrderLine, old_line_id).unit_price == 68  # kept as placed
    # The new version replaces the old one for this vendor: the removed items are gone.
    search = client.get("/ward/catalog?q=コピー用紙").get_data(as_text=True)
    assert "B-PPR-001" not in search and "J-PPR-001" in search


def test_reject_needs_a_reason(app, client, login):
    login(VENDOR)
    version_id = upload(app, client, catalog_xlsx([catalog_row("R-1")]))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/vendor/")})
    login("office@example.jp")
    token = csrf_token(client, f"/office/catalog/{version_id}")
    response = client.post(f"/office/catalog/{version_id}/review", data={"csrf_token": token, "action": "reject"})
    assert response.status_code == 422 and "理由" in response.get_data(as_text=True)
    client.post(f"/office/catalog/{version_id}/review",
                data={"csrf_token": token, "action": "reject", "note": "価格根拠を添付してください"})
    assert version(app, version_id).status == "rejected"


def test_job_progress_is_visible_to_its_owner_only(app, client, login):
    login(VENDOR)
    version_id = upload(app, client, catalog_xlsx([catalog_row(f"P-{i}") for i in range(30)]))
    job = client.get(f"/jobs/{version(app, version_id).job_id}").get_json()
    assert job["status"] == "done" and job["result"]["items"] == 30


def test_not_an_xlsx_is_refused(app, client, login):
    login(VENDOR)
    token = csrf_token(client, "/vendor/catalog")
    response = client.post("/vendor/catalog", data={"csrf_token": token, "file": (io.BytesIO(b"a,b"), "c.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "xlsx" in response.get_data(as_text=True)
    corrupt = upload(app, client, b"PK\x03\x04 not really a zip")
    assert version(app, corrupt).status == "invalid"


def test_a_damaged_file_is_reported_not_left_importing(app, client, login):
    import zipfile

    login(VENDOR)
    good = catalog_xlsx([catalog_row(f"D-{i}") for i in range(5)])
    source, target = zipfile.ZipFile(io.BytesIO(good)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as damaged:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2 + 40]  # cut in the middle of the rows
            damaged.writestr(info, data)
    version_id = upload(app, client, target.getvalue())
    v = version(app, version_id)
    assert v.status == "invalid" and v.item_count == 0
    assert "読み込" in v.errors[0]["message"]
