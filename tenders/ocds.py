"""Open Contracting Data Standard (OCDS 1.1) release of a tender (pure: plain data in, dict out).
Bids appear only once opened; the award with its value, the ceiling only after opening."""
from __future__ import annotations

from datetime import datetime

OCID_PREFIX = "ocds-tokyo23-"


def _value(amount) -> dict | None:
    return None if amount is None else {"amount": float(amount), "currency": "JPY"}


def release(tender: dict, wards: list[dict], bids: list[dict] | None, award: dict | None, now: datetime) -> dict:
    """`tender`: id, title, kind, status, method, bidding_opens, bidding_closes, opening_at, ceiling;
    `wards`: code, name; `bids`: vendor_id, vendor_name, price, valid, reasons (None before opening);
    `award`: vendor_id, vendor_name, price, award_rate, date."""
    ocid = f"{OCID_PREFIX}{tender['id']}"
    parties = [{"id": "office", "name": "特別区共同調達組織", "roles": ["procuringEntity"]}]
    parties += [{"id": f"ward-{w['code']}", "name": w["name"], "roles": ["buyer"]} for w in wards]
    for b in bids or []:
        parties.append({"id": f"vendor-{b['vendor_id']}", "name": b["vendor_name"], "roles": ["tenderer"]})
    data = {
        "ocid": ocid, "id": f"{ocid}-{tender['status']}-{now:%Y%m%dT%H%M%SZ}", "date": now.isoformat(),
        "tag": ["award"] if award else ["tender"], "initiationType": "tender", "language": "ja",
        "parties": parties,
        "buyer": {"id": "office", "name": "特別区共同調達組織"},
        "tender": {
            "id": str(tender["id"]), "title": tender["title"], "status": _tender_status(tender["status"]),
            "procurementMethod": "open", "procurementMethodDetails": tender["method"],
            "mainProcurementCategory": "goods",
            "tenderPeriod": {"startDate": tender["bidding_opens"], "endDate": tender["bidding_closes"]},
            "awardPeriod": {"startDate": tender["opening_at"]},
            "numberOfTenderers": len(bids) if bids is not None else None,
        },
    }
    if tender.get("ceiling") is not None:
        data["tender"]["value"] = _value(tender["ceiling"])
    if bids is not None:
        data["bids"] = {"details": [{"id": f"bid-{b['vendor_id']}", "status": "valid" if b["valid"] else "disqualified",
                                    "tenderers": [{"id": f"vendor-{b['vendor_id']}", "name": b["vendor_name"]}],
                                    "value": _value(b["price"]),
                                    **({"description": "; ".join(b["reasons"])} if b.get("reasons") else {})}
                                   for b in bids]}
    if award:
        data["awards"] = [{"id": f"{ocid}-award", "status": "active", "date": award["date"],
                           "value": _value(award["price"]),
                           "suppliers": [{"id": f"vendor-{award['vendor_id']}", "name": award["vendor_name"]}]}]
    return data


def _tender_status(status: str) -> str:
    return {"draft": "planning", "demand_collection": "planning", "published": "active", "questions": "active",
            "bidding": "active", "opened": "active", "evaluation": "active", "awarded": "complete",
            "contracted": "complete", "completed": "complete", "cancelled": "cancelled",
            "no_valid_bid": "unsuccessful"}.get(status, "active")
