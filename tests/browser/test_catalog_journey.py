"""The catalog journey in real Chromium: vendor uploads, office approves, staff orders, approver
approves, vendor delivers, inspector inspects, records export."""
from sqlalchemy import func, select

from tests.browser.test_sign_in_journey import sign_in
from tests.catalog_data import catalog_row, catalog_xlsx
from tests.helpers import unit_of_work


def sign_out(page):
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url("**/login")


def test_catalog_journey_end_to_end(app, page, live_server, tmp_path):
    from deliveries.models import Inspection
    from catalog.order_models import Order
    from procure.extensions import db
    from procure.formatting import today_in_tokyo

    upload = tmp_path / "catalog.xlsx"
    upload.write_bytes(catalog_xlsx([
        catalog_row("BR-1", name="ブラウザ試験用 油性ボールペン", contract_price="68", list_price="120"),
        catalog_row("BR-2", name="高額トナー", contract_price="60000", list_price="80000")]))

    # Vendor uploads; the progress box reloads the page when the import is done.
    sign_in(page, live_server, "vendor@bunguya.example.jp")
    page.get_by_role("link", name="カタログ", exact=True).click()
    page.get_by_label("カタログファイル（.xlsx）").set_input_files(str(upload))
    page.get_by_role("button", name="アップロード").click()
    page.get_by_text("審査待ち").first.wait_for()
    assert "新規" in page.content()
    sign_out(page)

    # Office reviews the diff and approves from today.
    sign_in(page, live_server, "office@example.jp")
    page.get_by_role("link", name="カタログ審査").click()
    page.get_by_role("link", name="第2版").click()
    page.get_by_label("適用開始日").fill(today_in_tokyo().isoformat())
    page.get_by_role("button", name="承認して公開").click()
    page.get_by_text("第2版を承認しました").wait_for()
    sign_out(page)

    # Staff searches in hiragana, orders two items; the order button is double-clicked.
    sign_in(page, live_server, "staff@shibuya.example.jp")
    page.get_by_role("link", name="カタログ", exact=True).click()
    page.get_by_label("キーワード・JANコード").fill("ぼーるぺん")
    page.get_by_role("button", name="検索").click()
    row = page.get_by_role("row").filter(has_text="ブラウザ試験用 油性ボールペン")
    row.get_by_label("数量").fill("５")
    row.get_by_role("button", name="カートに入れる").click()
    page.get_by_role("status").filter(has_text="カートに入れました").wait_for()
    page.get_by_label("キーワード・JANコード").fill("トナー")
    page.get_by_role("button", name="検索").click()
    page.get_by_role("row").filter(has_text="高額トナー").get_by_role("button", name="カートに入れる").click()
    page.get_by_role("link", name="カート", exact=True).click()
    assert "¥60,340" in page.content()
    page.get_by_role("button", name="注文を確定する").dblclick()
    page.wait_for_url("**/ward/orders/*")
    assert "承認待ち" in page.get_by_role("heading", level=1).inner_text()
    with unit_of_work(app):
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
        order_id = db.session.scalar(select(Order.id))
    sign_out(page)

    # Approver approves each line.
    sign_in(page, live_server, "approver@shibuya.example.jp")
    page.get_by_role("link", name="承認待ち").click()
    page.get_by_role("link", name=f"注文 {order_id}").click()
    for _ in range(2):
        page.get_by_role("button", name="承認", exact=True).first.click()
        page.get_by_role("status").filter(has_text="承認しました").wait_for()
    assert "承認済み" in page.get_by_role("heading", level=1).inner_text()
    sign_out(page)

    # Vendor confirms and delivers with a delivery note.
    sign_in(page, live_server, "vendor@bunguya.example.jp")
    page.get_by_role("link", name="受注").first.click()
    page.get_by_role("link", name=str(order_id), exact=True).click()
    page.get_by_role("button", name="受注を確認").click()
    page.get_by_label("納品書番号").fill("BR-DN-1")
    page.get_by_role("button", name="納品を登録").click()
    page.get_by_text("納品を登録しました").wait_for()
    note = page.request.get(live_server + page.get_by_role("link", name="納品書（PDF）").get_attribute("href"))
    assert note.ok and note.body().startswith(b"%PDF")
    sign_out(page)

    # Inspector inspects: one toner rejected with a reason.
    sign_in(page, live_server, "inspector@shibuya.example.jp")
    page.get_by_role("link", name="検収", exact=True).click()
    page.get_by_role("link", name="BR-DN-1").click()
    toner = page.get_by_role("row").filter(has_text="高額トナー")
    toner.get_by_label("合格数", exact=True).fill("0")
    toner.get_by_label("不合格数", exact=True).fill("1")
    page.get_by_role("button", name="検収を記録").click()
    assert "不合格の理由を入力してください" in page.get_by_role("alert").inner_text()
    toner = page.get_by_role("row").filter(has_text="高額トナー")
    toner.get_by_label("不合格理由").fill("箱が破損")
    page.get_by_role("button", name="検収を記録").click()
    page.get_by_text("検収を記録しました").wait_for()
    with unit_of_work(app):
        assert sorted((i.accepted_quantity, i.rejected_quantity) for i in db.session.scalars(select(Inspection))) == [
            (0, 1), (5, 0)]

    # Records: filtered by the delivery month, exported as xlsx.
    page.get_by_role("link", name="納品・検収記録").click()
    assert "箱が破損" in page.content()
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
