"""A PC tender in real Chromium with three wards and three vendors: the office creates it, wards
enter demand, vendors bid, the office opens, awards and makes the ward contracts."""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from tests.browser.test_catalog_journey import sign_out
from tests.browser.test_sign_in_journey import sign_in
from tests.helpers import unit_of_work

FORMAT = "%Y-%m-%dT%H:%M"


def chiyoda_staff(app):
    """A third ward's staff account (the demo seed has one; older seeds did not)."""
    from procure.extensions import db
    from procure.models import Role, User, Ward

    with unit_of_work(app):
        if db.session.scalar(select(User.id).filter_by(email="staff@chiyoda.example.jp")):
            return
        ward = db.session.scalar(select(Ward).filter_by(code="131016"))
        user = User(email="staff@chiyoda.example.jp", name="千代田 職員", role=Role.WARD_STAFF, ward_id=ward.id)
        user.set_password("demo-password")
        db.session.add(user)
        db.session.commit()


def open_with_witness(page, base, tender_url):
    """開札 as the office does it: the signed-in officer asks, the witness (another office user)
    signs in and confirms; the witness stays signed in."""
    page.get_by_role("button", name="開札を申請（開札者）").click()
    page.get_by_text("別の職員が立会人として確認すると開札します").first.wait_for()
    assert page.get_by_role("button", name="立会人として確認し開札").count() == 0  # not to the officer
    sign_out(page)
    sign_in(page, base, "witness@example.jp")
    page.goto(tender_url)
    page.get_by_role("button", name="立会人として確認し開札").click()


def pass_the_opening_time(app):
    """The bidding deadline and the opening time of every tender pass (a minute ago)."""
    from procure.extensions import db
    from procure.jpcalendar import TOKYO
    from tenders.models import Tender

    with unit_of_work(app):
        past = datetime.now(TOKYO) - timedelta(minutes=1)
        db.session.execute(update(Tender).values(bidding_opens=past - timedelta(hours=1),
                                                 bidding_closes=past - timedelta(seconds=30), opening_at=past))
        db.session.commit()


def test_pc_tender_journey(app, page, live_server):
    from procure.extensions import db
    from procure.jpcalendar import TOKYO
    from tenders.models import Contract

    chiyoda_staff(app)
    now = datetime.now(TOKYO)
    sign_in(page, live_server, "office@example.jp")
    page.get_by_role("link", name="共同入札").click()
    page.get_by_label("件名").fill("令和9年度 標準ノートPC 共同調達")
    page.get_by_label("入札開始（日本時間）").fill((now - timedelta(hours=1)).strftime(FORMAT))
    page.get_by_label("入札締切（日本時間）").fill((now + timedelta(hours=1)).strftime(FORMAT))
    page.get_by_label("開札日時（日本時間）").fill((now + timedelta(hours=2)).strftime(FORMAT))
    page.get_by_label("予定価格（税抜、開札まで非公開・暗号化）").fill("40,000,000")
    page.get_by_label("入札参加資格（空欄は参加区すべてで登録が必要）").select_option(label="指定区のみ: 渋谷区")
    page.get_by_role("button", name="作成").click()
    page.get_by_text("入札案件を作成しました").wait_for()
    tender_url = page.url
    page.get_by_label("コード", exact=True).fill("std")
    page.get_by_label("名称", exact=True).fill("標準ノート")
    page.get_by_label("オプション（コード=名称 をカンマ区切り）").fill("office=Officeライセンス, warranty=延長保証")
    page.get_by_role("button", name="パターンを追加").click()
    page.get_by_role("button", name="需要取りまとめを開始").click()
    page.get_by_text("操作を実行しました").wait_for()
    sign_out(page)

    for email, units in (("staff@shibuya.example.jp", "１００"), ("staff@setagaya.example.jp", "80"),
                         ("staff@chiyoda.example.jp", "20")):
        sign_in(page, live_server, email)
        page.get_by_role("link", name="共同入札").click()
        page.get_by_role("link", name="令和9年度 標準ノートPC 共同調達").click()
        page.get_by_role("button", name="この共同入札に参加する").click()
        first_row = page.get_by_role("group", name="1行目", exact=True)
        first_row.get_by_label("台数", exact=True).fill(units)
        first_row.get_by_label("Officeライセンス").check()
        page.get_by_role("button", name="需要数量を登録").click()
        page.get_by_text("需要数量を登録しました").wait_for()
        sign_out(page)

    sign_in(page, live_server, "office@example.jp")
    page.goto(tender_url)
    page.get_by_role("button", name="公告").click()
    page.get_by_role("button", name="入札受付を開始").click()
    page.get_by_text("入札受付中").first.wait_for()
    sign_out(page)

    for email, price in (("vendor@pc.example.jp", "95000"), ("vendor@bunguya.example.jp", "97000"),
                         ("vendor@denki.example.jp", "90000")):
        sign_in(page, live_server, email)
        page.get_by_role("link", name="入札", exact=True).click()
        page.get_by_role("link", name="令和9年度 標準ノートPC 共同調達").click()
        page.get_by_label("本体 購入単価").fill(price)
        page.get_by_label("Officeライセンス 購入単価").fill("30000")
        page.get_by_role("button", name="入札する").click()
        page.get_by_text("入札を受け付けました").wait_for()
        sign_out(page)

    pass_the_opening_time(app)

    sign_in(page, live_server, "office@example.jp")
    page.goto(tender_url)
    assert "¥25,000,000" not in page.content()  # nothing readable before opening
    open_with_witness(page, live_server, tender_url)
    page.get_by_text("¥25,000,000").wait_for()  # 200 units x (95,000 + 30,000)
    assert "指定区（131130）の入札参加資格がありません" in page.content()  # 首都グリーン電力: reason kept
    page.get_by_role("button", name="評価して落札者を決定").click()
    page.get_by_text("東京ピーシーソリューションズ株式会社").first.wait_for()
    page.get_by_role("button", name="区別契約を締結").click()
    page.get_by_text("操作を実行しました").wait_for()
    sign_out(page)
    with unit_of_work(app):
        amounts = sorted(c.amount for c in db.session.scalars(select(Contract)))
        assert amounts == [2_500_000, 10_000_000, 12_500_000]

    sign_in(page, live_server, "staff@setagaya.example.jp")
    page.get_by_role("link", name="共同入札").click()
    page.get_by_role("link", name="令和9年度 標準ノートPC 共同調達").click()
    assert "¥10,000,000" in page.content()
    page.goto(f"{live_server}/tenders/results")
    assert "東京ピーシーソリューションズ株式会社" in page.content() and "62.50%" in page.content()
