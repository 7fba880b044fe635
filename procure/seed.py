"""Load seed_data/: the real 23 wards and realistic demo data. Idempotent.

Rows are matched on natural keys (ward code, facility name, corporate number,
e-mail ...) and only changed attributes are written, so seeding twice changes
nothing and writes no audit entries the second time.
"""
from __future__ import annotations

import csv
import json
from datetime import date

from flask import current_app
from sqlalchemy import select

from procure import audit, uow
from procure.codes import validate_corporate_number, validate_invoice_registration_number, \
    validate_local_government_code
from procure.config import PROJECT_ROOT
from procure.extensions import db
from procure.models import (Department, Facility, FacilityKind, Role, Space, SpaceKind, User,
                            Vendor, VendorBranch, VendorQualification, Ward)

SEED_DIR = PROJECT_ROOT / "seed_data"


def _load_json(name: str):
    return json.loads((SEED_DIR / name).read_text(encoding="utf-8"))


def _upsert(model, keys: dict, values: dict):
    row = db.session.scalar(select(model).filter_by(**keys))
    if row is None:
        row = model(**keys, **values)
        db.session.add(row)
        db.session.flush()
        return row
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    return row


def read_wards() -> list[dict]:
    with open(SEED_DIR / "wards.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [{
        "code": validate_local_government_code(r["code"]),
        "name_ja": r["name_ja"], "name_en": r["name_en"],
        "population": int(r["population_2020"]),
        "households": int(r["households"]) if r["households"].strip() else None,
    } for r in rows]


def seed_wards() -> dict[str, Ward]:
    wards = {}
    for row in read_wards():
        code = row.pop("code")
        wards[code] = _upsert(Ward, {"code": code}, row)
    return wards


def seed_facilities(wards: dict[str, Ward]) -> None:
    for item in _load_json("facilities.json"):
        facility = _upsert(Facility, {"ward_id": wards[item["ward_code"]].id, "name": item["name"]},
                           {"kind": FacilityKind(item["kind"]), "address": item["address"],
                            "postal_code": item["postal_code"]})
        for space in item["spaces"]:
            _upsert(Space, {"facility_id": facility.id, "name": space["name"]},
                    {"floor": space["floor"], "kind": SpaceKind(space["kind"])})


def seed_departments(wards: dict[str, Ward]) -> None:
    for ward in wards.values():
        for dept in _load_json("departments.json")["every_ward"]:
            _upsert(Department, {"ward_id": ward.id, "code": dept["code"]}, {"name": dept["name"]})


def seed_vendors(wards: dict[str, Ward]) -> None:
    def ward_id(code):
        return wards[code].id if code else None

    for item in _load_json("vendors.json"):
        vendor = _upsert(Vendor, {"corporate_number": validate_corporate_number(item["corporate_number"])}, {
            "name": item["name"], "name_kana": item["name_kana"],
            "invoice_registration_number": validate_invoice_registration_number(
                item["invoice_registration_number"]),
            "head_office_address": item["head_office_address"],
            "head_office_prefecture": item["head_office_prefecture"],
            "head_office_ward_id": ward_id(item["head_office_ward_code"]),
            "is_sme": item["is_sme"], "categories": item["categories"],
        })
        for branch in item["branches"]:
            _upsert(VendorBranch, {"vendor_id": vendor.id, "name": branch["name"]}, {
                "address": branch["address"], "prefecture": branch["prefecture"],
                "ward_id": ward_id(branch["ward_code"])})
        for qual in item["qualifications"]:
            _upsert(VendorQualification, {"vendor_id": vendor.id, "ward_id": ward_id(qual["ward_code"]),
                                          "category": qual["category"]}, {
                "valid_from": date.fromisoformat(qual["valid_from"]),
                "valid_to": date.fromisoformat(qual["valid_to"])})


def seed_demo_users(wards: dict[str, Ward]) -> None:
    data = _load_json("demo_users.json")
    for item in data["users"]:
        ward = wards.get(item.get("ward_code"))
        vendor = None
        if item.get("vendor_corporate_number"):
            vendor = db.session.scalar(select(Vendor).filter_by(
                corporate_number=item["vendor_corporate_number"]))
        department = None
        if ward is not None and item.get("department_code"):
            department = db.session.scalar(select(Department).filter_by(
                ward_id=ward.id, code=item["department_code"]))
        values = {
            "name": item["name"], "role": Role(item["role"]),
            "ward_id": ward.id if ward else None, "vendor_id": vendor.id if vendor else None,
            "department_id": department.id if department else None,
        }
        user = db.session.scalar(select(User).filter_by(email=item["email"]))
        if user is None:
            user = User(email=item["email"], **values)
            user.set_password(data["password"])
            db.session.add(user)
            continue
        _upsert(User, {"email": item["email"]}, values)
        if not user.check_password(data["password"]):
            user.set_password(data["password"])


def seed_all(demo: bool = True, tenders: bool = False) -> None:
    """The whole seed is one unit of work: it lands entirely or not at all.

    The demo data of each domain package comes from the seeders procure/app.py registers
    (`app.extensions["demo_seeders"]`: (part, seeder) in order), so procure imports no domain.
    """
    token = audit.set_actor(None, "system:seed")
    try:
        with uow.unit():
            wards = seed_wards()
            seed_facilities(wards)
            seed_departments(wards)
            if demo:
                seed_vendors(wards)
                seed_demo_users(wards)
                db.session.flush()
                for part, seeder in current_app.extensions["demo_seeders"]:
                    if part == "demo" or (part == "tenders" and tenders):
                        seeder()
                        db.session.flush()
    finally:
        audit.reset_actor(token)
