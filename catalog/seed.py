"""Demo data for the catalog: an approved catalog per demo vendor, budgets, approval rules
and par levels. Idempotent like procure.seed: running it again changes nothing."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from stdnum import ean

from catalog import diff as catalog_diff
from catalog.models import APPROVED, CatalogItem, CatalogVersion, FrameworkAgreement
from catalog.order_models import ApprovalRule, Budget, ParLevel
from catalog.queries import search_text_for
from procure.config import PROJECT_ROOT
from procure.extensions import db
from procure.jpcalendar import fiscal_year, fiscal_year_bounds
from procure.models import Department, Facility, Role, Space, SpaceKind, User, Vendor, Ward

SEED_DIR = PROJECT_ROOT / "seed_data"
BUDGETS = {"SOMU": Decimal("3000000"), "KAIKEI": Decimal("1000000")}  # others: DEFAULT_BUDGET
DEFAULT_BUDGET = Decimal("1500000")
PAR_LEVELS = {"B-PEN-001": 50, "B-PPR-001": 10, "B-FIL-001": 5, "B-CLP-001": 3}


def _vendor_by_key() -> dict[str, Vendor]:
    keys = {v["key"]: v["corporate_number"]
            for v in json.loads((SEED_DIR / "vendors.json").read_text(encoding="utf-8"))}
    return {key: db.session.scalar(select(Vendor).filter_by(corporate_number=number))
            for key, number in keys.items()}


def seed_catalogs() -> None:
    data = json.loads((SEED_DIR / "catalog_demo.json").read_text(encoding="utf-8"))
    valid_from = date.fromisoformat(data["valid_from"])
    vendors = _vendor_by_key()
    office = db.session.scalar(select(User).filter_by(role=Role.OFFICE).order_by(User.id))
    for key, rows in data["vendors"].items():
        vendor = vendors[key]
        if db.session.scalar(select(CatalogVersion.id).filter_by(vendor_id=vendor.id)):
            continue
        uploader = db.session.scalar(select(User).filter_by(vendor_id=vendor.id)) or office
        version = CatalogVersion(vendor_id=vendor.id, number=1, status=APPROVED,
                                 file_name="demo_catalog.xlsx", uploaded_by_id=uploader.id,
                                 effective_from=valid_from, reviewed_by_id=office.id,
                                 item_count=len(rows))
        db.session.add(version)
        db.session.flush()
        for row in rows:
            item = CatalogItem(
                version_id=version.id, vendor_id=vendor.id, sku=row["sku"],
                jan=row["jan12"] + ean.calc_check_digit(row["jan12"]), name=row["name"],
                spec=row["spec"], category=row["category"], unit=row["unit"],
                tax_rate=Decimal(row["tax_rate"]), list_price=Decimal(row["list_price"]),
                contract_price=Decimal(row["contract_price"]), tiers=row["tiers"], green=row["green"],
                min_order_qty=row["min_order_qty"], lead_time_days=row["lead_time_days"],
                valid_from=valid_from, valid_to=None)
            item.search_text = search_text_for(item.sku, item.jan, item.name, item.spec, item.category)
            item.fingerprint = catalog_diff.fingerprint(item)
            db.session.add(item)


def seed_agreements_demo() -> None:
    from procure.formatting import today_in_tokyo

    seed_agreements(today_in_tokyo())


def seed_agreements(today: date) -> None:
    """Each demo catalog vendor's 単価契約 for this fiscal year, awarded by 一般競争入札 the month before."""
    office = db.session.scalar(select(User).filter_by(role=Role.OFFICE).order_by(User.id))
    starts, ends = fiscal_year_bounds(fiscal_year(today))
    for key in json.loads((SEED_DIR / "catalog_demo.json").read_text(encoding="utf-8"))["vendors"]:
        vendor = _vendor_by_key()[key]
        if db.session.scalar(select(FrameworkAgreement.id).filter_by(vendor_id=vendor.id)):
            continue
        db.session.add(FrameworkAgreement(
            vendor_id=vendor.id, title=f"令和{starts.year - 2018}年度 事務用品等単価契約", procurement_method="open",
            procurement_ground=None, estimated_amount=None, concluded_on=date(starts.year, 3, 2), starts=starts,
            ends=ends, registered_by_id=office.id))


def seed_budgets_and_rules(today: date) -> None:
    years = (fiscal_year(today), fiscal_year(today) + 1)
    for department in db.session.scalars(select(Department)):
        for year in years:
            exists = db.session.scalar(select(Budget.id).filter_by(
                department_id=department.id, fiscal_year=year, code="消耗品費"))
            if not exists:
                db.session.add(Budget(ward_id=department.ward_id, department_id=department.id,
                                      fiscal_year=year, code="消耗品費", name="需用費（消耗品費）",
                                      amount=BUDGETS.get(department.code, DEFAULT_BUDGET)))
    for ward in db.session.scalars(select(Ward)):
        if not db.session.scalar(select(ApprovalRule.id).filter_by(ward_id=ward.id)):
            db.session.add(ApprovalRule(ward_id=ward.id, threshold_amount=Decimal("50000"),
                                        restricted_categories=["PC周辺機器"]))


def seed_par_levels() -> None:
    items = {i.sku: i for i in db.session.scalars(select(CatalogItem).where(
        CatalogItem.sku.in_(PAR_LEVELS)))}
    spaces = db.session.scalars(select(Space).join(Facility, Space.facility_id == Facility.id)
                                .where(Space.kind == SpaceKind.UTILITY)).all()
    for space in spaces:
        for sku, par in PAR_LEVELS.items():
            item = items.get(sku)
            if item is None or db.session.scalar(select(ParLevel.id).filter_by(
                    space_id=space.id, vendor_id=item.vendor_id, sku=sku)):
                continue
            db.session.add(ParLevel(ward_id=space.facility.ward_id, space_id=space.id,
                                    vendor_id=item.vendor_id, sku=sku, name=item.name, par_quantity=par))


def seed_catalog_demo(today: date) -> None:
    seed_catalogs()
    db.session.flush()
    seed_budgets_and_rules(today)
    seed_par_levels()
