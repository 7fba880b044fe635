"""Demo tenders for trying the app (`flask seed --tenders`, used by scripts/run.sh): a PC tender
collecting demand, an electricity tender open for bids, and a stockpile-food tender already
awarded and contracted. Built through the use cases, dated around today; idempotent by title."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from procure.extensions import db
from procure.models import Facility, User
from tenders import service
from tenders.models import Tender

PC_TITLE = "【デモ】令和9年度 パソコン共同調達"
POWER_TITLE = "【デモ】区施設の電力 共同調達"
FOOD_TITLE = "【デモ】災害用備蓄食料 共同調達"
FORMS_TITLE = "【デモ】連続帳票 共同調達（グループ別単価）"
NOTEBOOK_OPTIONS = [
    {"code": "mem16", "name": "16GB", "group": "メモリ"}, {"code": "mem32", "name": "32GB", "group": "メモリ"},
    {"code": "ssd512", "name": "SSD 512GB", "group": "ストレージ"}, {"code": "ssd1t", "name": "SSD 1TB", "group": "ストレージ"},
    {"code": "office", "name": "Officeライセンス"}, {"code": "w5", "name": "延長保証5年", "group": "保証"},
    {"code": "kitting", "name": "キッティング・設定"}]


def _user(email: str) -> User:
    return db.session.scalar(select(User).filter_by(email=email))


def _site(user: User) -> int | None:
    return db.session.scalar(select(Facility.id).filter_by(ward_id=user.ward_id).order_by(Facility.id))


def _exists(title: str) -> bool:
    return db.session.scalar(select(Tender.id).filter_by(title=title)) is not None


def seed_tenders_demo(now: datetime) -> None:
    office = db.session.scalar(select(User).filter_by(email="office@example.jp"))
    shibuya, setagaya = _user("staff@shibuya.example.jp"), _user("staff@setagaya.example.jp")
    if office is None or shibuya is None or setagaya is None:
        return  # demo accounts not loaded
    if not _exists(PC_TITLE):
        _pc_collecting_demand(office, shibuya, setagaya, now)
    if not _exists(POWER_TITLE):
        _electricity_open_for_bids(office, shibuya, setagaya, now)
    if not _exists(FOOD_TITLE):
        _food_awarded(office, shibuya, setagaya, now)
    others = [_user("staff@shinjuku.example.jp"), _user("staff@chiyoda.example.jp")]
    if not _exists(FORMS_TITLE) and all(others):
        _forms_grouped(office, [setagaya, shibuya, *others], now)


def _pc_collecting_demand(office: User, shibuya: User, setagaya: User, now: datetime) -> None:
    tender = service.create_tender(office, "pc", PC_TITLE, now + timedelta(days=14), now + timedelta(days=21),
                                   now + timedelta(days=22), Decimal("120000000"), region="tokyo")
    service.add_pattern(office, tender.id, "std", "標準ノート", NOTEBOOK_OPTIONS, "14型、Core i5 相当以上")
    service.add_pattern(office, tender.id, "hi", "高性能ノート", NOTEBOOK_OPTIONS, "16型、Core i7 相当以上、GPU")
    service.add_pattern(office, tender.id, "desk", "デスクトップ", [o for o in NOTEBOOK_OPTIONS if o["code"] != "ssd512"],
                        "省スペース型、24型モニター付")
    service.move(office, tender.id, "open_demand", now)
    delivery = (now + timedelta(days=60)).date()
    for staff, lines in ((shibuya, [("std", ["mem16", "ssd512", "office"], 300, None),
                                    ("hi", ["mem32", "ssd1t", "office", "w5"], 40, None)]),
                         (setagaya, [("std", ["mem16", "ssd512", "office", "kitting"], 450, 60),
                                     ("desk", ["mem16", "ssd1t"], 120, None)])):
        service.join(staff, tender.id, now)
        service.enter_pc_demand(staff, tender.id, [
            {"pattern": p, "options": o, "quantity": q, "lease_months": lease, "facility_id": _site(staff),
             "delivery_date": delivery} for p, o, q, lease in lines], now)


def _electricity_open_for_bids(office: User, shibuya: User, setagaya: User, now: datetime) -> None:
    tender = service.create_tender(office, "electricity", POWER_TITLE, now - timedelta(days=1),
                                   now + timedelta(days=7), now + timedelta(days=8), Decimal("900000000"))
    service.move(office, tender.id, "open_demand", now - timedelta(days=10))
    plans = {shibuya: [("本庁舎", "高圧", "850", "100", 180000), ("区民会館", "高圧", "300", "98", 60000),
                       ("出張所", "低圧", "40", "90", 5000)],
             setagaya: [("本庁舎", "高圧", "900", "95", 200000), ("総合運動場", "特別高圧", "2500", "100", 650000),
                        ("図書館", "低圧", "45", "92", 6500)]}
    for staff, threshold in ((shibuya, Decimal(70)), (setagaya, Decimal(80))):
        service.join(staff, tender.id, now - timedelta(days=10))
        facilities = [{"facility_name": name, "voltage": voltage, "contract_kw": Decimal(kw),
                       "power_factor": Decimal(pf),
                       "planned_kwh": [str(int(kwh * Decimal(factor))) for factor in
                                       ("0.9", "0.95", "1.1", "1.25", "1.3", "1.1", "0.95", "0.9", "1.05", "1.2",
                                        "1.15", "1.0")]}
                      for name, voltage, kw, pf, kwh in plans[staff]]
        service.enter_facility_demand(staff, tender.id, facilities, now - timedelta(days=10), threshold)
    # what the wards pay today (illustrative), so contracts made after opening record their savings
    service.set_reference_rates(office, tender.id, {"低圧": (Decimal("320.00"), Decimal("29.80")),
                                                    "高圧": (Decimal("1780.00"), Decimal("19.60")),
                                                    "特別高圧": (Decimal("1650.00"), Decimal("17.90"))},
                                "現行契約の単価（デモ）")
    service.move(office, tender.id, "publish", now - timedelta(days=5))
    service.move(office, tender.id, "open_bidding", now)


def _food_awarded(office: User, shibuya: User, setagaya: User, now: datetime) -> None:
    opens, closes, opening = now - timedelta(days=30), now - timedelta(days=20), now - timedelta(days=19)
    tender = service.create_tender(office, "generic", FOOD_TITLE, opens, closes, opening, Decimal("12000000"))
    service.add_pattern(office, tender.id, "rice", "アルファ化米（50食入り）", [], unit="箱", tax_rate=Decimal("0.08"))
    service.add_pattern(office, tender.id, "water", "保存水 2L×6本（5年保存）", [], unit="ケース",
                        tax_rate=Decimal("0.08"))
    service.move(office, tender.id, "open_demand", opens - timedelta(days=20))
    for staff, rice, water in ((shibuya, 300, 500), (setagaya, 420, 800)):
        service.join(staff, tender.id, opens - timedelta(days=20))
        service.enter_pc_demand(staff, tender.id, [
            {"pattern": "rice", "quantity": rice, "facility_id": _site(staff)},
            {"pattern": "water", "quantity": water, "facility_id": _site(staff)}], opens - timedelta(days=20))
    service.move(office, tender.id, "publish", opens - timedelta(days=10))
    service.move(office, tender.id, "open_bidding", opens)
    for email, rice, water, tiers in (("vendor@bunguya.example.jp", "11800", "1150", [["1000", "1100"]]),
                                      ("vendor@pc.example.jp", "12500", "1080", [])):
        content = {"patterns": {"rice": rice, "water": water}}
        if tiers:
            content["volume_prices"] = {"water": tiers}
        service.submit_bid(_user(email), tender.id, content, opens + timedelta(days=2))
    service.request_opening(office, tender.id, opening)
    service.open_bids(_user("witness@example.jp"), tender.id, opening)  # 開札立会人
    service.award(office, tender.id, opening, seed=20261101)
    service.make_contracts(office, tender.id, opening + timedelta(days=1))


def _forms_grouped(office: User, staff: list[User], now: datetime) -> None:
    """Seed 004's third round: pre-printed forms priced by groups of at most 3 (the small wards
    together reach a tier they would not alone); awarded and contracted, so the savings ledger
    and the tender page show who pays what and why."""
    from procure.pricing.policy import PricingPolicy

    opens, closes, opening = now - timedelta(days=40), now - timedelta(days=30), now - timedelta(days=29)
    tender = service.create_tender(office, "generic", FORMS_TITLE, opens, closes, opening, Decimal("300000"),
                                   qualification="designated_ward", designated_ward_id=staff[1].ward_id)
    service.add_pattern(office, tender.id, "form", "連続帳票 A4（1枚）", [], unit="枚")
    service.set_pricing_policy(office, tender.id, PricingPolicy("grouped", max_groups=3))
    service.move(office, tender.id, "open_demand", opens - timedelta(days=20))
    for user, sheets in zip(staff, (50000, 10000, 1000, 500)):
        service.join(user, tender.id, opens - timedelta(days=20))
        service.enter_pc_demand(user, tender.id, [{"pattern": "form", "quantity": sheets, "facility_id": _site(user)}],
                                opens - timedelta(days=20))
    service.move(office, tender.id, "publish", opens - timedelta(days=10))
    service.move(office, tender.id, "open_bidding", opens)
    for email, base, tiers in (("vendor@bunguya.example.jp", "20.0", [["1500", "13.0"], ["10000", "6.0"],
                                                                      ["50000", "3.0"]]),
                               ("vendor@pc.example.jp", "30.0", [["60000", "2.9"]])):
        service.submit_bid(_user(email), tender.id, {"patterns": {"form": base}, "volume_prices": {"form": tiers}},
                           opens + timedelta(days=2))
    service.request_opening(office, tender.id, opening)
    service.open_bids(_user("witness@example.jp"), tender.id, opening)
    service.award(office, tender.id, opening, seed=20261102)
    service.make_contracts(office, tender.id, opening + timedelta(days=1))
