"""Opening at the set time, evaluation and award per lot, and the ward contracts that add up to
each award."""
from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from procure import audit, state_guard, uow
from procure.extensions import db
from procure.models import User, Vendor, Ward
from tenders import contracts, eligibility, evaluation, lifecycle, lots, sealing
from tenders.models import ELECTRICITY, PC, Award, Bid, BidEvaluation, Contract, Tender
from tenders.states import TENDER
from tenders.service.bidding import (electricity_bid, evaluated_bid_price, lot_facilities, facility_demand_of, pc_bid,
                                     pc_demands, lot_demand, read_bid)
from tenders.service.common import ITEMIZED, TenderError, tender_schedule, seal_key_for, get_tender
from tenders.service.lotting import lot_row, tender_lots
from tenders.service.preparation import ward_environment, move
from tenders.service.pricing import policy_for


QUALIFICATION_CATEGORY = {PC: "物品", ELECTRICITY: "電力"}


def _bidder(vendor: Vendor, today, kind: str) -> eligibility.Bidder:
    """The vendor as the eligibility rules see it: offices, and the wards where it is registered
    for this kind of procurement (物品 for goods and PCs, 電力 for electricity)."""
    category = QUALIFICATION_CATEGORY.get(kind, "物品")
    offices = [(vendor.head_office_prefecture, vendor.head_office_ward.code if vendor.head_office_ward else None)]
    offices += [(b.prefecture, db.session.get(Ward, b.ward_id).code if b.ward_id else None)
                for b in vendor.branches]
    qualified = {db.session.get(Ward, q.ward_id).code for q in vendor.qualifications
                 if q.category == category and q.is_valid_on(today)}
    return eligibility.Bidder(str(vendor.id), vendor.is_sme, tuple(offices), frozenset(qualified))


def _rules(tender: Tender, lot: lots.Lot) -> eligibility.Rules:
    """Eligibility in one lot: registration and region are checked against the lot's wards."""
    codes = frozenset(tw.ward.code for tw in tender.wards if lot.covers(str(tw.ward_id)))
    designated = db.session.get(Ward, tender.designated_ward_id).code if tender.designated_ward_id else None
    return eligibility.Rules(codes, tender.qualification, designated, tender.region, codes, tender.sme_min_valid)


def _lot_environments(tender: Tender, lot: lots.Lot) -> dict[str, eligibility.WardEnvironment]:
    return {tw.ward.name_ja: ward_environment(tw) for tw in tender.wards if lot.covers(str(tw.ward_id))}


def _electricity_reasons(content: dict, environments: dict[str, eligibility.WardEnvironment]) -> list[str]:
    """Per ward of the lot, the supplier must reach that ward's environmental threshold with its
    table: a supplier failing one ward cannot win a lot that serves that ward."""
    values = {k: Decimal(v) for k, v in content.get("environment", {}).items()}
    _, refused = eligibility.wards_served(values, environments)
    return [f"{ward}: {reason}" for ward, reason in sorted(refused.items())]


def _reveal_ceiling(sealed: bytes | None, tender: Tender, now: datetime) -> Decimal | None:
    """The sealed 予定価格; a ceiling that does not open under this server's key stops the whole
    opening (a wrong TENDER_SEAL_KEY would otherwise judge every bid unreadable)."""
    if not sealed:
        return None
    try:
        return Decimal(sealing.unseal(sealed, seal_key_for(tender.id), now, tender.opening_at)["ceiling"])
    except sealing.SealError as exc:
        raise TenderError(f"予定価格を開封できません（{exc}）。封印鍵の設定（TENDER_SEAL_KEY）を確認してください。"
                          "開札は行っていません") from None


def lot_ceiling(tender: Tender, lot_code: str) -> Decimal | None:
    """The 予定価格 that applies in a lot (the tender's for the whole tender), once revealed."""
    return tender.ceiling_price if lot_code == "" else getattr(lot_row(tender, lot_code), "ceiling_price", None)


@uow.use_case
def request_opening(officer: User, tender_id: int, now: datetime) -> Tender:
    """開札の申請: the opening officer asks, at or after the opening time; nothing is unsealed until
    another office user confirms as witness (open_bids). Of two officers asking at once, one is."""
    tender = get_tender(tender_id)
    try:
        lifecycle.next_state(tender.status, "open_bids", officer.role.value, now, tender_schedule(tender))
    except lifecycle.LifecycleError as exc:
        raise TenderError(str(exc)) from None
    if tender.opening_requested_by_id is not None:
        raise TenderError("開札は申請済みです。別の職員が立会人として確認すると開札します")
    if not audit.audited_update(Tender, Tender.id == tender.id, Tender.opening_requested_by_id.is_(None),
                                values={"opening_requested_by_id": officer.id, "opening_requested_at": now}):
        raise state_guard.Conflict(TENDER.name)
    db.session.flush()
    return tender


@uow.use_case
def open_bids(witness: User, tender_id: int, now: datetime) -> Tender:
    """開札: confirmed by a witness (開札立会人) other than the officer who asked; at or after the
    opening time, reveal the ceilings, unseal every active bid and, in each lot it bids for,
    compute its evaluated price and eligibility; ineligible bids keep every reason, nothing is
    dropped."""
    requested = get_tender(tender_id).opening_requested_by_id
    if requested is None:
        raise TenderError("開札には、開札者の申請と、別の職員による立会人としての確認が必要です")
    if requested == witness.id:
        raise TenderError("開札を申請した職員は立会人になれません。別の職員が確認してください")
    tender = move(witness, tender_id, "open_bids", now)
    tender.opening_witness_id = witness.id
    bids = db.session.scalars(select(Bid).filter_by(tender_id=tender.id, status="active").order_by(Bid.id)).all()
    _check_seal_key(tender, bids)
    tender.ceiling_price = _reveal_ceiling(tender.sealed_ceiling, tender, now)
    for row in tender.lots:
        row.ceiling_price = _reveal_ceiling(row.sealed_ceiling, tender, now)
    today = now.date()
    contents, broken = _unsealed(bids, tender, now)
    bidders = {bid.id: _bidder(bid.vendor, today, tender.kind) for bid in bids}
    everything = lot_demand(tender)  # read once, shared out per lot
    for lot in tender_lots(tender):
        rules, valid, demand = _rules(tender, lot), {}, lots.share(lot, everything)
        ceiling = lot_ceiling(tender, lot.code)
        environments = _lot_environments(tender, lot) if tender.kind == ELECTRICITY else {}
        for bid in bids:
            if bid.id in broken:  # recorded as invalid in every lot, never dropped
                db.session.add(BidEvaluation(bid_id=bid.id, lot_code=lot.code, valid=False,
                                             invalid_reasons=[broken[bid.id]]))
                continue
            content = contents[bid.id]
            if lot.code and lot.code not in content.get("lots", [lot.code]):
                continue  # the vendor did not bid for this lot
            bidder = bidders[bid.id]
            reasons = eligibility.reasons(bidder, rules)
            if tender.kind == ELECTRICITY:
                reasons += _electricity_reasons(content, environments)
            result = BidEvaluation(bid_id=bid.id, lot_code=lot.code)
            try:
                result.evaluated_price = evaluated_bid_price(tender, content, lot, demand)
            except evaluation.IncompleteBid as exc:
                reasons.append(str(exc))
            if ceiling is not None and result.evaluated_price is not None and result.evaluated_price > ceiling:
                reasons.append("予定価格を超えています")
            result.valid, result.invalid_reasons = not reasons, reasons or None
            db.session.add(result)
            if not reasons:
                valid[str(bid.vendor_id)] = (result, bidder)
        for vendor_id, reason in eligibility.apply_sme_rule({k: b for k, (_, b) in valid.items()}, rules).items():
            result = valid[vendor_id][0]
            result.valid, result.invalid_reasons = False, [reason]
    db.session.flush()
    return tender


UNREADABLE = "入札データを復号できません"
TAMPERED = "入札内容が受付番号（ハッシュ）と一致しません（改ざんの疑い）"


def seal_broken(reasons: list[str] | None) -> bool:
    """Whether a bid's evaluation says its seal did not hold (unreadable or not its receipt)."""
    return bool(reasons) and (reasons[0].startswith(UNREADABLE) or reasons[0] == TAMPERED)


def _check_seal_key(tender: Tender, bids: list[Bid]) -> None:
    """Every bid must have been sealed under the key this server holds now: otherwise the whole
    opening is refused (nothing changes; retry with the right TENDER_SEAL_KEY), rather than every
    bid being judged unreadable. Bids from before key checks were stored carry none."""
    expected = sealing.key_check(seal_key_for(tender.id))
    if any(bid.key_check is not None and bid.key_check != expected for bid in bids):
        raise TenderError("入札を封印した鍵とこのサーバーの封印鍵（TENDER_SEAL_KEY）が一致しません。"
                          "鍵の設定を確認してください。開札は行っていません")


def _unsealed(bids: list[Bid], tender: Tender, now: datetime) -> tuple[dict[int, dict], dict[int, str]]:
    """Each bid's content, and the bids that cannot be read or whose content no longer matches
    the receipt hash given to the vendor (tampered), with the reason."""
    contents, broken = {}, {}
    for bid in bids:
        try:
            content = read_bid(bid, tender, now, with_nonce=True)
        except sealing.SealError as exc:
            broken[bid.id] = f"{UNREADABLE}: {exc}"
            continue
        if not sealing.verify(content, tender.id, bid.vendor_id, bid.submitted_at, bid.receipt):
            broken[bid.id] = TAMPERED
            continue
        contents[bid.id] = sealing.without_nonce(content)
    return contents, broken


def _score(tender: Tender, prices: dict[str, Decimal], points: dict[str, Decimal], ceiling: Decimal | None):
    if tender.evaluation_method == "division":
        return evaluation.division_method(prices, points, tender.base_points or Decimal(100), ceiling)
    if tender.evaluation_method == "addition":
        if ceiling is None:
            raise TenderError("加算方式には予定価格が必要です")
        return evaluation.addition_method(prices, points, tender.max_price_points or Decimal(50), ceiling)
    return evaluation.lowest_price(prices, ceiling)


@uow.use_case
def award(office: User, tender_id: int, now: datetime, technical: dict | None = None,
          seed: int | None = None) -> list[Award]:
    """Evaluate the valid bids of each lot by the tender's method and award each lot; a lot
    without a valid bid is not awarded (不調), and a tender with none ends as "no valid bid".
    `technical`: evaluators' points by vendor id (whole tender) or by (lot code, vendor id)."""
    tender = get_tender(tender_id)
    if tender.status == lifecycle.OPENED:
        move(office, tender.id, "start_evaluation", now)
    points_by_lot: dict[str, dict[str, Decimal]] = {}
    for key, value in (technical or {}).items():
        lot_code, vendor_id = key if isinstance(key, tuple) else ("", key)
        points_by_lot.setdefault(lot_code, {})[str(vendor_id)] = Decimal(value)
    seed = seed if seed is not None else int.from_bytes(hashlib.sha256(f"{tender.id}:{now.isoformat()}".encode())
                                                        .digest()[:4], "big")
    made = []
    for lot in tender_lots(tender):
        results = {str(e.bid.vendor_id): e for e in db.session.scalars(
            select(BidEvaluation).join(Bid).where(Bid.tender_id == tender.id, Bid.status == "active",
                                                  BidEvaluation.lot_code == lot.code, BidEvaluation.valid.is_(True)))}
        if not results:
            continue
        points = points_by_lot.get(lot.code, {})
        ceiling = lot_ceiling(tender, lot.code)
        scored = _score(tender, {k: e.evaluated_price for k, e in results.items()}, points, ceiling)
        for s in scored:
            results[s.bidder].score, results[s.bidder].technical_points = s.score, points.get(s.bidder)
        try:
            result = evaluation.award(scored, ceiling, seed)
        except ValueError as exc:
            raise TenderError(str(exc)) from None
        if result.winner is None:
            continue
        winner = results[result.winner]
        made.append(Award(tender_id=tender.id, lot_code=lot.code, bid_id=winner.bid_id, vendor_id=winner.bid.vendor_id,
                          price=winner.evaluated_price, award_rate=result.award_rate,
                          tied_bidders=result.tied or None, tie_seed=result.seed, awarded_by_id=office.id))
    if not made:
        db.session.flush()
        move(office, tender.id, "no_valid_bid", now)
        return []
    tender.tie_seed = next((a.tie_seed for a in made if a.tie_seed is not None), None)
    db.session.add_all(made)
    lifecycle.next_state(tender.status, "award", office.role.value, now, tender_schedule(tender))  # the clock
    state_guard.step(tender, TENDER, "award", office.role.value)
    db.session.flush()
    return made


@uow.use_case
def make_contracts(office: User, tender_id: int, now: datetime) -> list[Contract]:
    """個別契約: for each awarded lot, one contract per ward with demand in it, priced with the
    engine; each lot's contracts add up exactly to its award."""
    tender = get_tender(tender_id)
    awards = db.session.scalars(select(Award).filter_by(tender_id=tender.id).order_by(Award.id)).all()
    if not awards:
        raise TenderError("落札者が決まった案件だけ、区別契約を作れます")
    by_code = {lot.code: lot for lot in tender_lots(tender)}
    patterns = {p.code: p for p in tender.patterns}
    made = []
    for award_row in awards:
        lot = by_code[award_row.lot_code]
        content = read_bid(db.session.get(Bid, award_row.bid_id), tender, now)
        if tender.kind in ITEMIZED:
            per_ward = contracts.ward_amounts(pc_demands(tender, lot), pc_bid(content), policy_for(tender, lot.code))
            for lines in per_ward.values():  # what invoices need of the item: its name, unit and tax rate
                for line in lines:
                    item = patterns[line["pattern"]]
                    rate = Decimal(item.tax_rate).quantize(Decimal("0.01"))
                    line.update(name=item.name, unit=item.unit, tax_rate=str(rate))
        else:
            per_ward = _electricity_lines(tender, content, lot)
        lot_contracts = [Contract(tender_id=tender.id, lot_code=lot.code, ward_id=int(ward), signed_at=now,
                                  vendor_id=award_row.vendor_id, amount=contracts.total(lines), lines=lines)
                         for ward, lines in sorted(per_ward.items())]
        if sum((c.amount for c in lot_contracts), Decimal(0)) != award_row.price:
            raise TenderError(f"区別契約の合計が落札価格と一致しません（ロット {lot.code or lot.name}）")
        db.session.add_all(lot_contracts)
        db.session.flush()
        if tender.kind in ITEMIZED:
            _record_savings(tender, lot, content, lot_contracts, now)
        elif tender.reference_rates:
            _record_electricity_savings(tender, lot, lot_contracts, now)
        made += lot_contracts
    lifecycle.next_state(tender.status, "make_contracts", office.role.value, now, tender_schedule(tender))
    state_guard.step(tender, TENDER, "make_contracts", office.role.value)
    db.session.flush()
    return made


def _record_savings(tender: Tender, lot: lots.Lot, content: dict, lot_contracts: list[Contract], now: datetime) -> None:
    """Each ward contract against the winner's own schedule at the ward's quantity alone (what the
    ward would have paid buying alone from the same bidder): the pooling effect of the policy."""
    from savings import service as savings
    from savings.models import INDIVIDUAL_TIER
    from procure.pricing.policy import PricingPolicy
    from procure.formatting import TOKYO

    policy = policy_for(tender, lot.code)
    alone = contracts.ward_amounts(pc_demands(tender, lot), pc_bid(content),
                                   PricingPolicy("individual", rounding=policy.rounding))
    category = "PC" if tender.kind == "pc" else "物品"
    for contract in lot_contracts:
        savings.record(ward_id=contract.ward_id, source="tender_contract", source_id=contract.id,
                       title=f"{tender.title}{' ' + lot.name if lot.code else ''}", category=category,
                       fixed_on=now.astimezone(TOKYO).date(), reference_kind=INDIVIDUAL_TIER,
                       reference_amount=contracts.total(alone.get(str(contract.ward_id), [])),
                       paid_amount=contract.amount)


def _record_electricity_savings(tender: Tender, lot: lots.Lot, lot_contracts: list[Contract], now: datetime) -> None:
    """Each ward's facilities for a year at the rates it paid before the tender (entered by the
    office before opening), against its contract at the awarded rates. A ward with a facility on
    a voltage class with no reference rate gets no entry: a partial reference would flatter."""
    from savings import service as savings
    from savings.models import CURRENT_RATES
    from procure.formatting import TOKYO

    reference = evaluation.ElectricityBid({v: (Decimal(b), Decimal(e))
                                           for v, (b, e) in tender.reference_rates["rates"].items()})
    by_ward: dict[int, list] = {}
    for f in lot_facilities(tender, lot):
        by_ward.setdefault(f.ward_id, []).append(f)
    amounts = {ward_id: sum((evaluation.facility_price(facility_demand_of(f), reference) for f in facilities),
                            Decimal(0))
               for ward_id, facilities in by_ward.items() if all(f.voltage in reference.rates for f in facilities)}
    for contract in lot_contracts:
        if amounts.get(contract.ward_id) is None:
            continue
        savings.record(ward_id=contract.ward_id, source="tender_contract", source_id=contract.id,
                       title=f"{tender.title}{' ' + lot.name if lot.code else ''}", category="電力",
                       fixed_on=now.astimezone(TOKYO).date(), reference_kind=CURRENT_RATES,
                       reference_amount=amounts[contract.ward_id], paid_amount=contract.amount)


def _electricity_lines(tender: Tender, content: dict, lot: lots.Lot = lots.WHOLE) -> dict[str, list[dict]]:
    """Per ward: its facilities in the lot with the contract rates and the yearly evaluated amount."""
    bid = electricity_bid(content)
    lines: dict[str, list[dict]] = {}
    for f in lot_facilities(tender, lot):
        base, energy = bid.rates[f.voltage]
        lines.setdefault(str(f.ward_id), []).append({
            "facility": f.facility_name, "voltage": f.voltage, "contract_kw": str(f.contract_kw),
            "power_factor": str(f.power_factor), "base_rate": str(base), "energy_rate": str(energy),
            "quantity": 1, "amount": str(evaluation.facility_price(facility_demand_of(f), bid))})
    return lines
