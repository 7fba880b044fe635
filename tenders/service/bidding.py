"""Sealed bids: submit (checked complete against the wards' demand, then sealed), replace,
withdraw, and read only once opened; the demand and prices each lot is evaluated on."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from procure import state_guard, uow
from procure.extensions import db
from procure.models import User
from tenders import evaluation, lifecycle, lots, sealing
from tenders.models import ELECTRICITY, Bid, FacilityDemandLine, PcDemandLine, Tender
from tenders.states import BID
from tenders.service.common import ITEMIZED, TenderError, require_activity, tender_schedule, seal_key_for, get_tender
from tenders.service.lotting import tender_lots
from tenders.service.pricing import policy_for


def pc_demands(tender: Tender, lot: lots.Lot = lots.WHOLE) -> list[evaluation.PcDemand]:
    return [evaluation.PcDemand(str(l.ward_id), l.pattern_code, tuple(l.options), l.quantity, l.lease_months)
            for l in db.session.scalars(select(PcDemandLine).filter_by(tender_id=tender.id).order_by(PcDemandLine.id))
            if lot.covers(str(l.ward_id), pattern=l.pattern_code)]


def lot_facilities(tender: Tender, lot: lots.Lot = lots.WHOLE) -> list[FacilityDemandLine]:
    return [f for f in db.session.scalars(select(FacilityDemandLine).filter_by(tender_id=tender.id)
                                          .order_by(FacilityDemandLine.id))
            if lot.covers(str(f.ward_id), voltage=f.voltage)]


def pc_bid(content: dict) -> evaluation.PcBid:
    return evaluation.PcBid(
        {k: Decimal(v) for k, v in content.get("patterns", {}).items()},
        {tuple(k.split(":", 1)): Decimal(v) for k, v in content.get("options", {}).items()},
        {k: Decimal(v) for k, v in content.get("lease_monthly", {}).items()},
        {tuple(k.split(":", 1)): Decimal(v) for k, v in content.get("lease_options_monthly", {}).items()},
        {k: tuple((int(q), Decimal(p)) for q, p in tiers) for k, tiers in content.get("volume_prices", {}).items()})


def electricity_bid(content: dict) -> evaluation.ElectricityBid:
    return evaluation.ElectricityBid({v: (Decimal(r["base"]), Decimal(r["energy"]))
                                      for v, r in content.get("rates", {}).items() if "base" in r and "energy" in r})


def facility_demand_of(f: FacilityDemandLine) -> evaluation.FacilityDemand:
    return evaluation.FacilityDemand(str(f.ward_id), f.facility_name, f.voltage, f.contract_kw, f.power_factor,
                                     tuple(Decimal(k) for k in f.planned_kwh))


def lot_demand(tender: Tender, lot: lots.Lot = lots.WHOLE) -> list:
    """The demand a lot is evaluated on, as the pure evaluation sees it."""
    if tender.kind in ITEMIZED:
        return pc_demands(tender, lot)
    if tender.kind == ELECTRICITY:
        return [facility_demand_of(f) for f in lot_facilities(tender, lot)]
    raise TenderError(f"評価方法が未対応の種別です: {tender.kind}")


def evaluated_bid_price(tender: Tender, content: dict, lot: lots.Lot = lots.WHOLE, demand: list | None = None) -> Decimal:
    demand = lot_demand(tender, lot) if demand is None else demand
    if tender.kind == ELECTRICITY:
        return evaluation.electricity_evaluated_price(demand, electricity_bid(content))
    return evaluation.pc_evaluated_price(demand, pc_bid(content), policy_for(tender, lot.code))


@uow.use_case
def submit_bid(vendor_user: User, tender_id: int, content: dict, now: datetime) -> Bid:
    """Seal and store; an earlier bid of the vendor becomes 'replaced' (kept, audited)."""
    tender = get_tender(tender_id)
    require_activity("submit_bid", tender, vendor_user, now)
    if tender.lots:
        chosen = content.get("lots") or [row.code for row in tender.lots]
        unknown = sorted(set(chosen) - {row.code for row in tender.lots})
        if unknown:
            raise TenderError(f"ロット {', '.join(unknown)} はこの案件にありません")
        content = {**content, "lots": sorted(set(chosen))}
    if tender.kind in ITEMIZED:
        _check_volume_prices(tender, content)
    _check_complete(tender, content)
    for old in db.session.scalars(select(Bid).filter_by(tender_id=tender.id, vendor_id=vendor_user.vendor_id,
                                                        status="active")):
        state_guard.step(old, BID, "replace", vendor_user.role.value)
    key, sealed_content = seal_key_for(tender.id), sealing.with_nonce(content)
    bid = Bid(tender_id=tender.id, vendor_id=vendor_user.vendor_id, submitted_at=now,
              submitted_by_id=vendor_user.id, sealed=sealing.seal(sealed_content, key),
              key_check=sealing.key_check(key),
              receipt=sealing.receipt(sealed_content, tender.id, vendor_user.vendor_id, now))
    db.session.add(bid)
    db.session.flush()
    bid.nonce = sealed_content[sealing.NONCE]  # shown to the vendor once; never stored in clear
    return bid


def _check_complete(tender: Tender, content: dict) -> None:
    """A bid must price everything the wards asked for in each lot it bids for: say so now,
    rather than have it found invalid at the opening."""
    problems = []
    for lot in tender_lots(tender):
        if lot.code and lot.code not in content.get("lots", []):
            continue
        try:
            evaluated_bid_price(tender, content, lot)
        except evaluation.IncompleteBid as exc:
            problems.append(f"ロット {lot.code} {lot.name}: {exc}" if lot.code else str(exc))
    if problems:
        raise TenderError("\n".join(problems))


def _check_volume_prices(tender: Tender, content: dict) -> None:
    names = {p.code: p.name for p in tender.patterns}
    problems = []
    for pattern, tiers in content.get("volume_prices", {}).items():
        if pattern not in names:
            problems.append(f"数量段階別単価: {pattern} はこの案件にありません")
        elif pattern not in content.get("patterns", {}):
            problems.append(f"{names[pattern]}: 数量段階別単価には基本の購入単価も必要です")
        else:
            problems += [f"{names[pattern]}: {p}" for p in evaluation.volume_price_problems(
                Decimal(content["patterns"][pattern]), [(int(q), Decimal(v)) for q, v in tiers])]
    if problems:
        raise TenderError("\n".join(problems))


@uow.use_case
def withdraw_bid(vendor_user: User, tender_id: int, now: datetime) -> None:
    tender = get_tender(tender_id)
    require_activity("withdraw_bid", tender, vendor_user, now)
    for bid in db.session.scalars(select(Bid).filter_by(tender_id=tender.id, vendor_id=vendor_user.vendor_id,
                                                        status="active")):
        state_guard.step(bid, BID, "withdraw", vendor_user.role.value)
    db.session.flush()


def read_bid(bid: Bid, tender: Tender, now: datetime, with_nonce: bool = False) -> dict:
    """The bid's content, only once the tender is opened and the opening time has come
    (`with_nonce`: as sealed, to check its receipt)."""
    schedule = tender_schedule(tender)
    if schedule is None or not lifecycle.can_read_bids(tender.status, now, schedule):
        raise TenderError("開札前は入札内容を読めません")
    content = sealing.unseal(bid.sealed, seal_key_for(tender.id), now, tender.opening_at)
    return content if with_nonce else sealing.without_nonce(content)
