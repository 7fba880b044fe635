"""Open Contracting Data Standard (OCDS 1.1) for one tender (pure: plain data in, dicts out).

A contracting process is published as one release per event, each telling what changed then:
the tender when it is published, the bids and the ceiling at the opening (never before), the
awards, each ward contract when signed, each amendment of a contract, and a cancellation or an
unsuccessful end. A record merges them into the compiled release (ocdsmerge, with the official
release schema's merge rules). A release's id names its content (a digest), so the same state
fetched twice is the same release, and a release whose content changed is a new one."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

OCID_PREFIX = "ocds-tokyo23-"
OFFICE = {"id": "office", "name": "特別区共同調達組織"}
# Fields outside the core schema come from these OCDS extensions, declared in every package.
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_contract_buyer_extension/master/"
    "extension.json",  # contracts[].buyer: each ward signs its own contract
)
# Organisation identifiers: 法人番号 (org-id.guide JP-JCN) for vendors and wards (a local
# government has one), and a ward's 全国地方公共団体コード beside it.
CORPORATE_NUMBER = "JP-JCN"
LOCAL_GOVERNMENT_CODE = "JP-LGCODE"
# What a tender of each kind buys, for items' classification (CPV, an OCDS itemClassificationScheme).
CLASSIFICATION = {"pc": {"scheme": "CPV", "id": "30213000", "description": "パーソナルコンピュータ"},
                  "electricity": {"scheme": "CPV", "id": "09310000", "description": "電力"}}
_SCHEMA = Path(__file__).with_name("ocds_release_schema_1_1_5.json")


@dataclass(frozen=True)
class Process:
    """Everything public about one tender, as plain values.

    `tender`: id, title, kind, status, method, procurement_method, procurement_method_details,
    bidding_opens, bidding_closes, opening_at, ceiling (None before opening), contract_starts,
    contract_ends, items [{id, description, quantity, unit, classification (its own, else the kind's)}];
    `wards`: code, name, corporate_number; `vendors`: {id: {name, corporate_number, address, prefecture}};
    `bids`: vendor_id, lot, price, valid (None before opening); `awards`: lot, vendor_id, price, date;
    `lots`: code, name, ceiling; `contracts`: id, lot, ward_code, ward_name, vendor_id, amount, date,
    amendments [{id, date, item, from_quantity, to_quantity, amount_before, amount_after, rationale}];
    `published_at`, `opened_at` (None until bids may be read), `ended` ("cancelled" or
    "no_valid_bid", when) or None."""

    tender: dict
    wards: list[dict]
    vendors: dict
    bids: list[dict] | None
    awards: list[dict]
    lots: list[dict] = field(default_factory=list)
    contracts: list[dict] = field(default_factory=list)
    published_at: datetime | None = None
    opened_at: datetime | None = None
    ended: tuple[str, datetime] | None = None


def releases(process: Process, prefix: str = OCID_PREFIX) -> list[dict]:
    """The process's releases, oldest first."""
    ocid = f"{prefix}{process.tender['id']}"
    made: list[dict] = []

    def add(event: str, when, after, tags: list[str], parties: list[dict], **sections) -> dict:
        # Releases follow the process's order: nothing is dated before what it follows (`after`:
        # the release it follows), even when the times recorded disagree (a clock set back, a
        # schedule or demo data entered afterwards). Merging by date then keeps that order.
        if after is not None and (when is None or when < after["_at"]):
            when = after["_at"]
        body = {"ocid": ocid, "date": _iso(when), "tag": tags, "initiationType": "tender", "language": "ja",
                "parties": parties, "buyer": dict(OFFICE), **sections}
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]
        made.append({"id": f"{ocid}-{event}-{digest}", **body, "_at": when})
        return made[-1]

    tender = process.tender
    tenderers = {b["vendor_id"] for b in process.bids or []}
    suppliers = {a["vendor_id"] for a in process.awards}
    stage = add("tender", process.published_at, None, ["tender"], _parties(process, set(), set()),
                tender=_tender_notice(process))
    if process.opened_at is not None and process.bids is not None:
        stage = add("opening", process.opened_at, stage, ["tenderUpdate"], _parties(process, tenderers, set()),
                    tender=_tender_opened(process, len(tenderers)),
                    bids={"details": [_bid(ocid, b) for b in process.bids]})
    if process.awards:
        stage = add("award", max(a["date"] for a in process.awards), stage, ["award"],
                    _parties(process, tenderers, suppliers), tender=_tender_awarded(process),
                    awards=[_award(ocid, a, process) for a in process.awards])
    awarded = stage
    for contract in process.contracts:
        if contract["date"] is None:
            continue
        last = add(f"contract-{contract['id']}", contract["date"], awarded, ["contract"],
                   _parties(process, tenderers, suppliers), contracts=[_contract(ocid, contract, process)])
        so_far: list[dict] = []
        for amendment in contract.get("amendments", ()):  # oldest first, each amending the release before
            entry = _amendment(amendment, amends=last["id"])
            last = add(f"contract-{contract['id']}-amendment-{amendment['id']}", amendment["date"], last,
                       ["contractAmendment"], _parties(process, tenderers, suppliers),
                       contracts=[{"id": _contract_id(ocid, contract), "awardID": _award_id(ocid, contract),
                                   "value": _value(amendment["amount_after"]), "amendments": [*so_far, entry]}])
            entry["releaseID"] = last["id"]  # known once the release (named by its content) is made
            so_far.append(entry)
    if process.ended is not None:
        status, when = process.ended
        sections = {"tender": {"id": str(tender["id"]), "status": _tender_status(status)}}
        if process.lots:
            sections["tender"]["lots"] = [{"id": f"lot-{lot['code']}", "status": _tender_status(status)}
                                          for lot in process.lots]
        if status == "cancelled":
            if process.awards:
                sections["awards"] = [{"id": _award_id(ocid, a), "status": "cancelled"} for a in process.awards]
            if process.contracts:
                sections["contracts"] = [{"id": _contract_id(ocid, c), "awardID": _award_id(ocid, c),
                                          "status": "cancelled"} for c in process.contracts]
        add("cancellation" if status == "cancelled" else "unsuccessful", when,
            max(made, key=lambda r: r["_at"] or when), ["tenderCancellation"] if status == "cancelled"
            else ["tenderUpdate"], _parties(process, tenderers, suppliers), **sections)
    return [{k: v for k, v in r.items() if k != "_at"} for r in sorted(made, key=lambda r: r["date"] or "")]


# A published release never changes: what changed after it is a new release with the update tag.
UPDATE_TAGS = {"tender": "tenderAmendment", "tenderUpdate": "tenderUpdate", "award": "awardUpdate",
               "contract": "contractUpdate", "contractAmendment": "contractAmendment",
               "tenderCancellation": "tenderCancellation"}


def event_of(release: dict) -> str:
    """The event a release tells ("tender", "opening", "contract-12"...), from its id."""
    return release["id"].removeprefix(f"{release['ocid']}-").rsplit("-", 1)[0]


def to_publish(published: list[dict], current: list[dict], now: datetime) -> list[dict]:
    """The releases of `current` (the process as it stands) not published yet. An event told
    before whose content has changed since (a lot renamed, a schedule moved, a vendor's address)
    is told again as an update dated when it is published; the releases already out stay as
    they are, so every id a reader kept still resolves."""
    seen_ids = {release["id"] for release in published}
    last_told = {event_of(release): release for release in published}  # the latest of each event
    new = []
    for release in current:
        if release["id"] in seen_ids:
            continue
        before = last_told.get(event_of(release))
        if before is not None:
            told = datetime.fromisoformat(release["date"]) if release["date"] else now
            release = {**release, "tag": [UPDATE_TAGS.get(tag, tag) for tag in release["tag"]],
                       "date": _iso(max(told, now))}
            if "tender" in release and release["tag"] == ["tenderAmendment"]:
                release["tender"] = {**release["tender"], "amendments": [_tender_amendment(before, release)]}
        new.append(release)
    return new


# What a portal shows for a changed notice (tender.amendments[].description)
TENDER_FIELD_NAMES = {"title": "件名", "lots": "ロット", "items": "調達品目", "tenderPeriod": "入札期間",
                      "awardPeriod": "開札日時", "contractPeriod": "契約期間", "procurementMethod": "調達方法",
                      "procurementMethodDetails": "調達方法", "awardCriteria": "落札者の決定方法"}


def _tender_amendment(before: dict, after: dict) -> dict:
    """The notice's amendment: which of its fields changed since the release it amends."""
    old, new = before.get("tender", {}), after["tender"]
    changed = [TENDER_FIELD_NAMES.get(key, key) for key in new if key != "amendments" and old.get(key) != new[key]]
    return {"id": after["id"].rsplit("-", 1)[-1], "date": after["date"], "amendsReleaseID": before["id"],
            "releaseID": after["id"], "description": "公告の変更: " + "、".join(dict.fromkeys(changed))}


def record(releases_of_one: list[dict]) -> dict:
    """The OCDS record of one process: its releases and the compiled release merged from them."""
    return {"ocid": releases_of_one[0]["ocid"], "releases": releases_of_one,
            "compiledRelease": _merger().create_compiled_release(releases_of_one)}


@lru_cache(maxsize=1)
def _merger():
    import ocdsmerge

    # The official OCDS 1.1.5 release schema (kept beside this module) gives the merge rules;
    # the extensions' fields merge by the default rules (objects by id).
    return ocdsmerge.Merger(schema=json.loads(_SCHEMA.read_text(encoding="utf-8")))


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def _value(amount) -> dict | None:
    return None if amount is None else {"amount": float(amount), "currency": "JPY"}


def _parties(process: Process, tenderers: set, suppliers: set) -> list[dict]:
    parties = [{**OFFICE, "roles": ["procuringEntity", "buyer"]}]
    for ward in process.wards:
        party = {"id": f"ward-{ward['code']}", "name": ward["name"], "roles": ["buyer"],
                 "additionalIdentifiers": [{"scheme": LOCAL_GOVERNMENT_CODE, "id": ward["code"]}],
                 "address": {"locality": ward["name"], "region": "東京都", "countryName": "日本"}}
        if ward.get("corporate_number"):
            party["identifier"] = {"scheme": CORPORATE_NUMBER, "id": ward["corporate_number"], "legalName": ward["name"]}
        parties.append(party)
    for vendor_id in sorted(tenderers | suppliers):
        vendor = process.vendors[vendor_id]
        parties.append({"id": f"vendor-{vendor_id}", "name": vendor["name"],
                        "identifier": {"scheme": CORPORATE_NUMBER, "id": vendor["corporate_number"],
                                       "legalName": vendor["name"]},
                        "address": {"streetAddress": vendor["address"], "region": vendor["prefecture"],
                                    "countryName": "日本"},
                        "roles": (["tenderer"] if vendor_id in tenderers else [])
                        + (["supplier"] if vendor_id in suppliers else [])})
    return parties


def _reference(process: Process, vendor_id) -> dict:
    return {"id": f"vendor-{vendor_id}", "name": process.vendors[vendor_id]["name"]}


def _tender_notice(process: Process) -> dict:
    tender = process.tender
    notice = {
        "id": str(tender["id"]), "title": tender["title"], "status": "active",
        "procuringEntity": dict(OFFICE),
        "procurementMethod": tender.get("procurement_method", "open"),
        "procurementMethodDetails": tender.get("procurement_method_details") or "一般競争入札",
        "awardCriteria": "priceOnly" if tender["method"] == "lowest" else "ratedCriteria",
        "mainProcurementCategory": "goods",
        "tenderPeriod": {"startDate": _iso(tender["bidding_opens"]), "endDate": _iso(tender["bidding_closes"])},
        "awardPeriod": {"startDate": _iso(tender["opening_at"])},
    }
    if tender.get("contract_starts"):
        notice["contractPeriod"] = _period(tender)
    classification = CLASSIFICATION.get(tender["kind"])
    if tender.get("items"):  # what is bought: each pattern, item or voltage class with its unit and quantity
        notice["items"] = [{"id": item["id"], "description": item["description"],
                            **({"classification": dict(item.get("classification") or classification)}
                               if item.get("classification") or classification else {}),
                            "quantity": item["quantity"], "unit": {"name": item["unit"]}}
                           for item in tender["items"]]
    if process.lots:
        notice["lots"] = [{"id": f"lot-{lot['code']}", "title": lot["name"]} for lot in process.lots]
    return notice


def _period(tender: dict) -> dict:
    """OCDS periods are date-times: the contract runs from the start of its first day to the end
    of its last, in Japan time."""
    return {"startDate": f"{tender['contract_starts'].isoformat()}T00:00:00+09:00",
            "endDate": f"{tender['contract_ends'].isoformat()}T23:59:59+09:00"}


def _tender_opened(process: Process, tenderer_count: int) -> dict:
    tender = process.tender
    opened = {"id": str(tender["id"]), "status": "active", "numberOfTenderers": tenderer_count,
              "tenderers": [_reference(process, v) for v in sorted({b["vendor_id"] for b in process.bids})]}
    if tender.get("ceiling") is not None:
        opened["value"] = _value(tender["ceiling"])
    if process.lots:
        opened["lots"] = [{"id": f"lot-{lot['code']}", "title": lot["name"],
                           **({"value": _value(lot["ceiling"])} if lot.get("ceiling") is not None else {})}
                          for lot in process.lots]
    return opened


def _tender_awarded(process: Process) -> dict:
    """Awarding ends the tender; a lot no valid bid could win is left unsuccessful."""
    awarded = {a.get("lot") or "" for a in process.awards}
    data = {"id": str(process.tender["id"]), "status": "complete"}
    if process.lots:
        data["lots"] = [{"id": f"lot-{lot['code']}", "status": "complete" if lot["code"] in awarded else "unsuccessful"}
                        for lot in process.lots]
    return data


def _bid_id(bid_or_award: dict) -> str:
    lot = bid_or_award.get("lot")
    return f"bid-{bid_or_award['vendor_id']}{'-lot-' + lot if lot else ''}"


def _bid(ocid: str, bid: dict) -> dict:
    # Why a bid was invalid is on the public 開札調書; the bid extension has no field for it.
    return {"id": _bid_id(bid), "status": "valid" if bid["valid"] else "disqualified",
            "tenderers": [{"id": f"vendor-{bid['vendor_id']}", "name": bid["vendor_name"]}],
            "value": _value(bid["price"]), **({"relatedLots": [f"lot-{bid['lot']}"]} if bid.get("lot") else {})}


def _award_id(ocid: str, award: dict) -> str:
    return f"{ocid}-award{'-lot-' + award['lot'] if award.get('lot') else ''}"


def _award(ocid: str, award: dict, process: Process) -> dict:
    data = {"id": _award_id(ocid, award), "status": "active", "date": _iso(award["date"]),
            "value": _value(award["price"]), "suppliers": [_reference(process, award["vendor_id"])],
            "relatedBid": _bid_id(award)}
    if award.get("lot"):
        data["relatedLots"] = [f"lot-{award['lot']}"]
    if process.tender.get("contract_starts"):
        data["contractPeriod"] = _period(process.tender)
    return data


def _contract_id(ocid: str, contract: dict) -> str:
    return f"{ocid}-contract-{contract['id']}"


def _contract(ocid: str, contract: dict, process: Process) -> dict:
    amendments = contract.get("amendments") or ()
    signed_value = amendments[0]["amount_before"] if amendments else contract["amount"]
    data = {"id": _contract_id(ocid, contract), "awardID": _award_id(ocid, contract),
            "title": f"{contract['ward_name']} 個別契約", "status": "active", "dateSigned": _iso(contract["date"]),
            "value": _value(signed_value), "buyer": {"id": f"ward-{contract['ward_code']}", "name": contract["ward_name"]}}
    if process.tender.get("contract_starts"):
        data["period"] = _period(process.tender)
    return data


def _amendment(amendment: dict, amends: str) -> dict:
    return {"id": str(amendment["id"]), "date": _iso(amendment["date"]), "rationale": amendment["rationale"],
            "description": f"{amendment['item']}: 数量 {amendment['from_quantity']} → {amendment['to_quantity']}、"
                           f"契約金額 {int(amendment['amount_before']):,} 円 → {int(amendment['amount_after']):,} 円（税抜）",
            "amendsReleaseID": amends}


def _tender_status(status: str) -> str:
    return {"draft": "planning", "demand_collection": "planning", "published": "active", "questions": "active",
            "bidding": "active", "opened": "active", "evaluation": "active", "awarded": "complete",
            "contracted": "complete", "completed": "complete", "cancelled": "cancelled",
            "no_valid_bid": "unsuccessful"}.get(status, "active")
