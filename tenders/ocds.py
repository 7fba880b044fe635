"""Open Contracting Data Standard (OCDS 1.1) release of a tender (pure: plain data in, dict out).
Bids appear only once opened; the award with its value, the ceiling only after opening."""
from __future__ import annotations

from datetime import datetime

OCID_PREFIX = "ocds-tokyo23-"
# Fields outside the core schema come from these OCDS extensions, declared in every package.
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_multiple_buyers_extension/master/"
    "extension.json",  # contracts[].buyer: each ward signs its own contract
)


def _value(amount) -> dict | None:
    return None if amount is None else {"amount": float(amount), "currency": "JPY"}


def release(tender: dict, wards: list[dict], bids: list[dict] | None, awards: list[dict], now: datetime,
            lots: list[dict] = (), contracts: list[dict] = (), prefix: str = OCID_PREFIX) -> dict:
    """`tender`: id, title, kind, status, method, bidding_opens, bidding_closes, opening_at, ceiling;
    `wards`: code, name; `bids`: vendor_id, vendor_name, lot, price, valid, reasons, one per lot bid
    (None before opening); `awards`: lot, vendor_id, vendor_name, price, award_rate, date;
    `lots` (the OCDS lots extension): code, name, ceiling (None before opening);
    `contracts`: id, lot, ward_code, ward_name, amount, date (one per ward and lot); `prefix`: the
    publisher's registered ocid prefix (config OCDS_OCID_PREFIX)."""
    ocid = f"{prefix}{tender['id']}"
    parties = [{"id": "office", "name": "特別区共同調達組織", "roles": ["procuringEntity", "buyer"]}]
    parties += [{"id": f"ward-{w['code']}", "name": w["name"], "roles": ["buyer"]} for w in wards]
    tenderers = {b["vendor_id"]: b["vendor_name"] for b in bids or []}
    suppliers = {a["vendor_id"]: a["vendor_name"] for a in awards}
    for vid, name in {**tenderers, **suppliers}.items():
        roles = (["tenderer"] if vid in tenderers else []) + (["supplier"] if vid in suppliers else [])
        parties.append({"id": f"vendor-{vid}", "name": name, "roles": roles})
    ended = {"cancelled": "cancelled", "no_valid_bid": "unsuccessful"}.get(tender["status"])
    data = {
        "ocid": ocid, "id": f"{ocid}-{tender['status']}-{now:%Y%m%dT%H%M%SZ}", "date": now.isoformat(),
        "tag": ["contract"] if contracts else ["award"] if awards else ["tender"], "initiationType": "tender", "language": "ja",
        "parties": parties,
        "buyer": {"id": "office", "name": "特別区共同調達組織"},
        "tender": {
            "id": str(tender["id"]), "title": tender["title"], "status": _tender_status(tender["status"]),
            "procurementMethod": tender.get("procurement_method", "open"),
            "procurementMethodDetails": tender.get("procurement_method_details") or "一般競争入札",
            "awardCriteria": "priceOnly" if tender["method"] == "lowest" else "ratedCriteria",
            "mainProcurementCategory": "goods",
            "tenderPeriod": {"startDate": tender["bidding_opens"], "endDate": tender["bidding_closes"]},
            "awardPeriod": {"startDate": tender["opening_at"]},
            "numberOfTenderers": len(tenderers) if bids is not None else None,
        },
    }
    if tender.get("ceiling") is not None:
        data["tender"]["value"] = _value(tender["ceiling"])
    if tender.get("items"):  # what is bought: each pattern or item with its unit and the wards' total quantity
        data["tender"]["items"] = [{"id": item["id"], "description": item["description"],
                                    "quantity": item["quantity"], "unit": {"name": item["unit"]}}
                                   for item in tender["items"]]
    if lots:
        data["tender"]["lots"] = [{"id": f"lot-{lot['code']}", "title": lot["name"],
                                   **({"value": _value(lot["ceiling"])} if lot.get("ceiling") is not None else {})}
                                  for lot in lots]
    if bids is not None:
        data["bids"] = {"details": [{"id": f"bid-{b['vendor_id']}{'-lot-' + b['lot'] if b.get('lot') else ''}",
                                     "status": "valid" if b["valid"] else "disqualified",
                                     "tenderers": [{"id": f"vendor-{b['vendor_id']}", "name": b["vendor_name"]}],
                                     "value": _value(b["price"]),
                                     **({"relatedLots": [f"lot-{b['lot']}"]} if b.get("lot") else {}),
                                     **({"description": "; ".join(b["reasons"])} if b.get("reasons") else {})}
                                    for b in bids]}
    if awards:
        data["awards"] = [{"id": f"{ocid}-award{'-lot-' + a['lot'] if a.get('lot') else ''}",
                           "status": "cancelled" if ended else "active",
                           "date": a["date"], "value": _value(a["price"]),
                           "suppliers": [{"id": f"vendor-{a['vendor_id']}", "name": a["vendor_name"]}],
                           **({"relatedLots": [f"lot-{a['lot']}"]} if a.get("lot") else {})}
                          for a in awards]
    if contracts:
        data["contracts"] = [{"id": f"{ocid}-contract-{c['id']}",
                              "awardID": f"{ocid}-award{'-lot-' + c['lot'] if c.get('lot') else ''}",
                              "title": f"{c['ward_name']} 個別契約", "status": "cancelled" if ended else "active",
                              "dateSigned": c["date"],
                              "value": _value(c["amount"]), "buyer": {"id": f"ward-{c['ward_code']}",
                                                                      "name": c["ward_name"]}}
                             for c in contracts]
    return data


def _tender_status(status: str) -> str:
    return {"draft": "planning", "demand_collection": "planning", "published": "active", "questions": "active",
            "bidding": "active", "opened": "active", "evaluation": "active", "awarded": "complete",
            "contracted": "complete", "completed": "complete", "cancelled": "cancelled",
            "no_valid_bid": "unsuccessful"}.get(status, "active")
