"""An electricity tender (電力) in real Chromium with three wards and three vendors: the office
creates it, wards upload their facilities (xlsx) and environmental thresholds, vendors bid rates
per voltage class, the office opens (one bid fails a ward's threshold), awards and makes the ward
contracts; the supplier uploads a month's readings. Prices are checked against a plain computation."""
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from openpyxl import Workbook
from sqlalchemy import select

from tests.browser.test_catalog_journey import sign_out
from tests.browser.test_sign_in_journey import sign_in
from tests.browser.test_tender_journey import chiyoda_staff, open_with_witness, pass_the_opening_time
from tests.helpers import api_token, unit_of_work

FORMAT = "%Y-%m-%dT%H:%M"
TITLE = "令和9年度 区施設の電力 共同調達"
THRESHOLD = "環境配慮の基準点（この区の、通常 70 点）"

# Per ward: its staff, its environmental threshold, its facilities (name, voltage, kW, power factor, kWh Apr..Mar).
WARDS = {
    "渋谷区": ("staff@shibuya.example.jp", "80", [
        ("渋谷区役所 本庁舎", "高圧", 850, "98.5", [171234, 165432, 180021, 210345, 225678, 198765,
                                                 176543, 168901, 189012, 201234, 195678, 183456]),
        ("恵比寿出張所", "低圧", 42, 90, [4123, 3987, 4410, 5234, 5678, 4890, 4012, 3901, 4567, 4988, 4765, 4321])]),
    "世田谷区": ("staff@setagaya.example.jp", "70", [
        ("世田谷区役所 第一庁舎", "高圧", 920, 96, [190321, 184567, 199876, 231098, 245432, 219876,
                                                  195432, 187654, 208765, 221987, 214321, 201234])]),
    "千代田区": ("staff@chiyoda.example.jp", "70", [
        ("千代田区役所 本庁舎", "特別高圧", 2100, 100, [612345, 598765, 640123, 720456, 765432, 688901,
                                                    623456, 601234, 654321, 702345, 689012, 645678]),
        ("神田公園出張所", "低圧", 35, 88, [3210, 3105, 3398, 4012, 4321, 3765, 3234, 3098, 3567, 3890, 3712, 3345])]),
}
# Per vendor: name, rates per voltage (base yen per kW-month, energy yen per kWh), CO2, renewable %, unused %.
# With the standard scoring table: 80, 85 and 70 points; 株式会社文具屋 is cheapest but misses 渋谷区's 80.
VENDORS = {
    "vendor@denki.example.jp": ("首都グリーン電力株式会社", {
        "低圧": ("1180.25", "25.37"), "高圧": ("1655.40", "17.83"), "特別高圧": ("1520.10", "15.62")}, "0.25", "35", "0"),
    "vendor@pc.example.jp": ("東京ピーシーソリューションズ株式会社", {
        "低圧": ("1210", "26.10"), "高圧": ("1700", "18.45"), "特別高圧": ("1580", "16.20")}, "0.28", "20", "2"),
    "vendor@bunguya.example.jp": ("株式会社文具屋", {
        "低圧": ("1150", "24.80"), "高圧": ("1600", "17.20"), "特別高圧": ("1490", "15.10")}, "0.28", "5", "1"),
}
CEILING = Decimal(1_000_000_000)


def facilities_xlsx(path, facilities):
    from tenders.facility_upload import HEADERS

    book = Workbook()
    book.active.append(HEADERS)
    for name, voltage, kw, power_factor, kwh in facilities:
        book.active.append([name, voltage, kw, power_factor] + kwh)
    book.save(path)
    return path


def readings_xlsx(path, rows):
    from tenders.readings_upload import HEADERS

    book = Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(list(row))
    book.save(path)
    return path


def facility_price(facility, rates):
    """Over 12 months: base rate x kW x (185 - power factor)/100 + energy rate x planned kWh."""
    _, voltage, kw, power_factor, kwh = facility
    base, energy = (Decimal(v) for v in rates[voltage])
    yearly = sum(base * Decimal(kw) * (185 - Decimal(power_factor)) / 100 + energy * Decimal(k) for k in kwh)
    return yearly.quantize(Decimal(1), ROUND_DOWN)


def ward_price(ward, rates):
    return sum(facility_price(f, rates) for f in WARDS[ward][2])


def status(page, label):
    """Wait for the tender's status in its heading."""
    page.get_by_role("heading", level=1).filter(has_text=label).wait_for()


def yen(amount):
    return f"¥{amount:,}"


def qualify_for_electricity(app):
    """The two goods vendors also register for 電力 in the three wards (首都グリーン電力 already is)."""
    from procure.extensions import db
    from procure.models import Vendor, VendorQualification, Ward

    with unit_of_work(app):
        wards = db.session.scalars(select(Ward).where(Ward.code.in_(("131016", "131121", "131130")))).all()
        for name in ("東京ピーシーソリューションズ株式会社", "株式会社文具屋"):
            vendor = db.session.scalar(select(Vendor).filter_by(name=name))
            db.session.add_all(VendorQualification(vendor_id=vendor.id, ward_id=w.id, category="電力",
                                                   valid_from=date(2020, 4, 1), valid_to=date(2035, 3, 31))
                               for w in wards)
        db.session.commit()


def test_electricity_tender_journey(app, page, live_server, tmp_path):
    from procure.extensions import db
    from procure.jpcalendar import TOKYO
    from tenders.models import Contract

    chiyoda_staff(app)
    qualify_for_electricity(app)
    now = datetime.now(TOKYO)
    sign_in(page, live_server, "office@example.jp")
    page.get_by_role("link", name="共同入札").click()
    page.get_by_label("種別").select_option(label="電力")
    page.get_by_label("件名").fill(TITLE)
    page.get_by_label("入札開始（日本時間）").fill((now - timedelta(hours=1)).strftime(FORMAT))
    page.get_by_label("入札締切（日本時間）").fill((now + timedelta(hours=1)).strftime(FORMAT))
    page.get_by_label("開札日時（日本時間）").fill((now + timedelta(hours=2)).strftime(FORMAT))
    page.get_by_label("予定価格（税抜、開札まで非公開・暗号化）").fill(f"{CEILING:,}")
    page.get_by_role("button", name="作成").click()
    page.get_by_text("入札案件を作成しました").wait_for()
    tender_url = page.url
    page.get_by_role("button", name="需要取りまとめを開始").click()
    status(page, "需要取りまとめ中")
    sign_out(page)

    for ward, (email, threshold, facilities) in WARDS.items():
        sign_in(page, live_server, email)
        page.get_by_role("link", name="共同入札").click()
        page.get_by_role("link", name=TITLE).click()
        page.get_by_role("button", name="この共同入札に参加する").click()
        page.get_by_text("参加しました").wait_for()
        page.get_by_label("施設一覧（.xlsx）").set_input_files(facilities_xlsx(tmp_path / f"{ward}.xlsx", facilities))
        page.get_by_label(THRESHOLD).fill(threshold)
        page.get_by_role("button", name="登録", exact=True).click()
        page.get_by_text(f"{len(facilities)} 施設を登録しました").wait_for()
        save = page.get_by_role("button", name="評価基準を保存")
        if save.count():  # the threshold in a form of its own, beside the ward's scoring table
            page.get_by_label(THRESHOLD).fill(threshold)
            save.click()
            page.get_by_text("環境配慮の評価基準を保存しました").wait_for()
        table = page.get_by_role("table", name="登録済みの施設")
        for name, _, _, _, kwh in facilities:
            assert f"{sum(kwh):,}" in table.get_by_role("row", name=name).inner_text()
        assert Decimal(page.get_by_label(THRESHOLD).input_value()) == Decimal(threshold)
        sign_out(page)

    sign_in(page, live_server, "office@example.jp")
    page.goto(tender_url)
    page.get_by_role("button", name="公告").click()
    status(page, "公告中")
    page.get_by_role("button", name="入札受付を開始").click()
    status(page, "入札受付中")
    sign_out(page)

    for email, (_, rates, co2, renewable, unused) in VENDORS.items():
        sign_in(page, live_server, email)
        page.get_by_role("link", name="入札", exact=True).click()
        page.get_by_role("link", name=TITLE).click()
        for voltage, (base, energy) in rates.items():
            group = page.get_by_role("group", name=voltage, exact=True)
            group.get_by_label("基本料金単価（円/kW・月）").fill(base)
            group.get_by_label("電力量料金単価（円/kWh）").fill(energy)
        page.get_by_label("CO2 排出係数（kg-CO2/kWh）").fill(co2)
        page.get_by_label("再生可能エネルギー比率（%）").fill(renewable)
        page.get_by_label("未利用エネルギー活用（%）").fill(unused)
        page.get_by_role("button", name="入札する").click()
        page.get_by_text("入札を受け付けました").wait_for()
        sign_out(page)

    pass_the_opening_time(app)

    prices = {email: sum(ward_price(ward, rates) for ward in WARDS) for email, (_, rates, *_) in VENDORS.items()}
    winner = VENDORS["vendor@denki.example.jp"]
    assert prices["vendor@bunguya.example.jp"] < prices["vendor@denki.example.jp"] < prices["vendor@pc.example.jp"]

    sign_in(page, live_server, "office@example.jp")
    page.goto(tender_url)
    assert yen(prices["vendor@denki.example.jp"]) not in page.content()  # nothing readable before opening
    open_with_witness(page, live_server, tender_url)
    status(page, "開札済み")
    for email, (name, *_) in VENDORS.items():  # each evaluated price as computed above
        page.get_by_role("row").filter(has_text=name).filter(has_text=yen(prices[email])).wait_for()
    refused = page.get_by_role("row").filter(has_text="株式会社文具屋").filter(has_text="無効").inner_text()
    assert "渋谷区: 環境配慮の評価点 70 点が、この区の基準 80 点に届きません" in refused
    assert "世田谷区" not in refused and "千代田区" not in refused  # 70 points reach their 70
    for email in ("vendor@denki.example.jp", "vendor@pc.example.jp"):
        row = page.get_by_role("row").filter(has_text=VENDORS[email][0]).filter(has_text=yen(prices[email]))
        assert "有効" in row.inner_text() and "無効" not in row.inner_text()
    page.get_by_role("button", name="評価して落札者を決定").click()
    status(page, "落札者決定")
    awarded = page.get_by_text("落札者", exact=True).locator("xpath=following-sibling::dd[1]")
    assert awarded.inner_text() == winner[0]
    assert page.get_by_text("落札価格", exact=True).locator("xpath=following-sibling::dd[1]").inner_text() == yen(
        prices["vendor@denki.example.jp"])
    page.get_by_role("button", name="区別契約を締結").click()
    status(page, "契約済み")
    page.goto(f"{live_server}/tenders/results")  # public: the award and its rate to the ceiling
    result = page.get_by_role("row").filter(has_text=TITLE).inner_text()
    rate = (prices["vendor@denki.example.jp"] / CEILING * 100).quantize(Decimal("0.01"))
    assert winner[0] in result and yen(prices["vendor@denki.example.jp"]) in result and f"{rate}%" in result
    sign_out(page)

    with unit_of_work(app):
        amounts = {c.ward.name_ja: c.amount for c in db.session.scalars(select(Contract))}
        contract_ids = {c.ward.name_ja: c.id for c in db.session.scalars(select(Contract))}
    assert amounts == {ward: ward_price(ward, winner[1]) for ward in WARDS}
    assert sum(amounts.values()) == prices["vendor@denki.example.jp"]

    for ward, (email, _, facilities) in WARDS.items():
        sign_in(page, live_server, email)
        page.get_by_role("link", name="共同入札").click()
        page.get_by_role("link", name=TITLE).click()
        page.get_by_role("heading", name=f"契約（{winner[0]}）").wait_for()
        contract = page.get_by_role("table", name="契約明細").inner_text()
        assert yen(ward_price(ward, winner[1])) in contract
        for facility in facilities:
            assert facility[0] in contract and yen(facility_price(facility, winner[1])) in contract
        sign_out(page)

    # The supplier sees its three ward contracts and records April's readings of 千代田区's two facilities.
    sign_in(page, live_server, "vendor@denki.example.jp")
    page.get_by_role("link", name="入札", exact=True).click()
    page.get_by_role("link", name=TITLE).click()
    for ward in WARDS:
        assert yen(ward_price(ward, winner[1])) in page.get_by_role("listitem").filter(
            has=page.get_by_role("link", name=ward)).inner_text()
    page.get_by_role("link", name="千代田区").click()
    readings = [("千代田区役所 本庁舎", 2027, 4, 598123, 1980, "-1.23", "3.49"),
                ("神田公園出張所", 2027, 4, 3187, 31, "-1.23", "3.49")]
    page.get_by_label("検針値（.xlsx）").set_input_files(readings_xlsx(tmp_path / "readings.xlsx", readings))
    page.get_by_role("button", name="登録", exact=True).click()
    page.get_by_text("2 件の検針値を登録しました").wait_for()
    sign_out(page)

    client = app.test_client()
    ward = {"Authorization": f"Bearer {api_token(client, 'staff@chiyoda.example.jp')}"}
    bill = client.get(f"/api/v1/tender-contracts/{contract_ids['千代田区']}/bill?year=2027&month=4",
                      headers=ward).get_json()
    facilities = {f[0]: f for f in WARDS["千代田区"][2]}
    expected = {}  # each line at the contract rates, whole yen rounded down as utilities bill
    for name, _, _, kwh, _, fuel, renewable in readings:
        _, voltage, kw, power_factor, _ = facilities[name]
        base, energy = (Decimal(v) for v in winner[1][voltage])
        for kind, amount in (("base", base * kw * (185 - Decimal(power_factor)) / 100), ("energy", energy * kwh),
                             ("fuel_adjustment", Decimal(fuel) * kwh), ("renewable", Decimal(renewable) * kwh)):
            expected[name, kind] = amount.quantize(Decimal(1), ROUND_DOWN)
    billed = {(next(n for n in facilities if line["description"].startswith(n)), line["kind"]): Decimal(line["amount"])
              for line in bill["lines"]}
    assert billed == expected and Decimal(bill["total"]) == sum(expected.values())
