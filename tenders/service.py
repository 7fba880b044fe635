"""Tender use cases: create, move through the lifecycle, join and enter demand, submit sealed
bids, open and evaluate at the opening time, award. The only place that commits here."""
from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from procure.extensions import db
from procure.models import User, Vendor, Ward
from tenders import contracts, eligibility, evaluation, lifecycle, lots, sealing
from tenders.models import (ELECTRICITY, GENERIC, PC, Award, Bid, BidEvaluation, Contract, ElectricityReading,
                            FacilityDemandLine, PcDemandLine, PcPattern, Tender, TenderLot, TenderQuestion, TenderWard)


class TenderError(ValueError):
    pass


# PCs and generic goods are priced the same way: per spec pattern (or item) and its options.
ITEMIZED = (PC, GENERIC)


def _seal_key(tender_id: int) -> bytes:
    """Derived from a master key outside the database (TENDER_SEAL_KEY, else the app secret)."""
    master = current_app.config.get("TENDER_SEAL_KEY") or current_app.config["SECRET_KEY"]
    return sealing.tender_key(hashlib.sha256(str(master).encode()).digest(), tender_id)


def _tender(tender_id: int) -> Tender:
    tender = db.session.get(Tender, tender_id)
    if tender is None:
        raise TenderError("入札案件が見つかりません")
    return tender


def _schedule(tender: Tender) -> lifecycle.Schedule | None:
    if not (tender.bidding_opens and tender.bidding_closes and tender.opening_at):
        return None
    return lifecycle.Schedule(tender.bidding_opens, tender.bidding_closes, tender.opening_at)


def create_tender(office: User, kind: str, title: str, bidding_opens: datetime, bidding_closes: datetime,
                  opening_at: datetime, ceiling: Decimal | None, **settings) -> Tender:
    lifecycle.Schedule(bidding_opens, bidding_closes, opening_at)  # validates the order
    tender = Tender(kind=kind, title=title, bidding_opens=bidding_opens, bidding_closes=bidding_closes,
                    opening_at=opening_at, created_by_id=office.id, **settings)
    db.session.add(tender)
    db.session.flush()
    if ceiling is not None:  # 予定価格: sealed like the bids until the opening
        tender.sealed_ceiling = sealing.seal({"ceiling": Decimal(ceiling)}, _seal_key(tender.id))
    db.session.commit()
    return tender


def add_pattern(office: User, tender_id: int, code: str, name: str, options: list[dict], spec: str = "") -> PcPattern:
    tender = _tender(tender_id)
    if tender.status not in (lifecycle.DRAFT, lifecycle.DEMAND):
        raise TenderError("仕様パターンは公告前にだけ追加できます")
    pattern = PcPattern(tender_id=tender.id, code=code, name=name, spec=spec, options=options)
    db.session.add(pattern)
    db.session.commit()
    return pattern


def move(office: User, tender_id: int, action: str, now: datetime) -> Tender:
    tender = _tender(tender_id)
    try:
        target = lifecycle.next_state(tender.status, action, office.role.value, now, _schedule(tender))
    except lifecycle.LifecycleError as exc:
        raise TenderError(str(exc)) from None
    if action == "open_bidding" and tender.lots:
        problems = _lot_problems(tender)
        if problems:  # every demand line in exactly one lot, before anyone bids on the lots
            raise TenderError("ロットの範囲を直してください:\n" + "\n".join(problems))
    tender.status = target
    db.session.commit()
    return tender


def join(ward_user: User, tender_id: int, now: datetime, threshold: Decimal | None = None) -> TenderWard:
    tender = _tender(tender_id)
    _may("join_demand", tender, "ward", now)
    row = db.session.scalar(select(TenderWard).filter_by(tender_id=tender.id, ward_id=ward_user.ward_id))
    if row is None:
        rounds = db.session.scalars(select(TenderWard.round).filter_by(tender_id=tender.id)).all()
        row = TenderWard(tender_id=tender.id, ward_id=ward_user.ward_id, round=max(rounds, default=1),
                         environmental_threshold=threshold)
        db.session.add(row)
        db.session.commit()
    return row


def _may(activity: str, tender: Tender, role: str, now: datetime) -> None:
    try:
        lifecycle.may(activity, tender.status, role, now, _schedule(tender))
    except lifecycle.LifecycleError as exc:
        raise TenderError(str(exc)) from None


def _participating(tender: Tender, ward_id: int) -> None:
    if not db.session.scalar(select(TenderWard.id).filter_by(tender_id=tender.id, ward_id=ward_id)):
        raise TenderError("この入札案件に参加していません")


def enter_pc_demand(ward_user: User, tender_id: int, lines: list[dict], now: datetime) -> list[PcDemandLine]:
    tender = _tender(tender_id)
    _may("enter_demand", tender, "ward", now)
    _participating(tender, ward_user.ward_id)
    patterns = {p.code: {o["code"] for o in p.options} for p in tender.patterns}
    rows = []
    for index, line in enumerate(lines, start=1):
        if line["pattern"] not in patterns:
            raise TenderError(f"{index}行目: 仕様パターン {line['pattern']} はこの案件にありません")
        unknown = set(line.get("options", [])) - patterns[line["pattern"]]
        if unknown:
            raise TenderError(f"{index}行目: オプション {', '.join(sorted(unknown))} はこのパターンにありません")
        if int(line["quantity"]) <= 0:
            raise TenderError(f"{index}行目: 数量は 1 以上にしてください")
        if line.get("facility_id"):
            from procure.models import Facility

            site = db.session.get(Facility, line["facility_id"])
            if site is None or site.ward_id != ward_user.ward_id:
                raise TenderError(f"{index}行目: 納品場所は自区の施設から選んでください")
        if line.get("delivery_date") and tender.opening_at and line["delivery_date"] <= tender.opening_at.date():
            raise TenderError(f"{index}行目: 納品希望日は開札日より後にしてください")
        rows.append(PcDemandLine(tender_id=tender.id, ward_id=ward_user.ward_id, pattern_code=line["pattern"],
                                 options=sorted(line.get("options", [])), quantity=int(line["quantity"]),
                                 lease_months=line.get("lease_months"), facility_id=line.get("facility_id"),
                                 delivery_date=line.get("delivery_date")))
    db.session.execute(PcDemandLine.__table__.delete().where(
        PcDemandLine.tender_id == tender.id, PcDemandLine.ward_id == ward_user.ward_id))
    db.session.add_all(rows)
    db.session.commit()
    return rows


def enter_facility_demand(ward_user: User, tender_id: int, facilities: list[dict], now: datetime,
                          threshold: Decimal | None = None, table: list | None = None) -> int:
    """Electricity: the ward's facilities (replacing its earlier list) and its environmental
    threshold and scoring table."""
    tender = _tender(tender_id)
    _may("enter_demand", tender, "ward", now)
    _participating(tender, ward_user.ward_id)
    db.session.execute(FacilityDemandLine.__table__.delete().where(
        FacilityDemandLine.tender_id == tender.id, FacilityDemandLine.ward_id == ward_user.ward_id))
    db.session.add_all(FacilityDemandLine(tender_id=tender.id, ward_id=ward_user.ward_id, **row) for row in facilities)
    joined = db.session.scalar(select(TenderWard).filter_by(tender_id=tender.id, ward_id=ward_user.ward_id))
    if threshold is not None or table is not None:  # checked like set_environment (no unreachable threshold)
        _apply_environment(joined, threshold, table)
    db.session.commit()
    return len(facilities)


DEFAULT_ENVIRONMENT_TABLE = [  # a typical 環境配慮 table (points), when a ward does not set its own
    {"name": "co2", "higher_is_better": False, "bands": [["0.300", "50"], ["0.450", "30"], ["0.600", "10"]]},
    {"name": "renewable", "higher_is_better": True, "bands": [["30", "30"], ["10", "15"]]},
    {"name": "unused", "higher_is_better": True, "bands": [["1", "20"]]},
]


def _environment(row: TenderWard) -> eligibility.WardEnvironment:
    table = [eligibility.Criterion(c["name"], c["higher_is_better"],
                                   tuple((Decimal(b), Decimal(p)) for b, p in c["bands"]))
             for c in (row.environmental_table or DEFAULT_ENVIRONMENT_TABLE)]
    threshold = Decimal(70) if row.environmental_threshold is None else row.environmental_threshold  # 0 is a threshold
    return eligibility.WardEnvironment(threshold, table)


# --- lots ----------------------------------------------------------------------------------

LOT_EDITABLE = (lifecycle.DRAFT, lifecycle.DEMAND, lifecycle.PUBLISHED, lifecycle.QUESTIONS)


def _lots(tender: Tender) -> list[lots.Lot]:
    """The tender's lots, or the whole tender as one lot."""
    return [lots.Lot(row.code, row.name, frozenset(row.patterns), frozenset(str(w) for w in row.ward_ids),
                     frozenset(row.voltages)) for row in tender.lots] or [lots.WHOLE]


def _lot_row(tender: Tender, code: str) -> TenderLot | None:
    return next((row for row in tender.lots if row.code == code), None)


def _editable_lots(tender: Tender) -> None:
    if tender.status not in LOT_EDITABLE:
        raise TenderError("ロットは入札期間の開始前にだけ変更できます")


def add_lot(office: User, tender_id: int, code: str, name: str, patterns=(), ward_ids=(), voltages=(),
            ceiling: Decimal | None = None) -> TenderLot:
    tender = _tender(tender_id)
    _editable_lots(tender)
    lot = lots.Lot(code.strip(), name.strip(), frozenset(patterns), frozenset(str(w) for w in ward_ids),
                   frozenset(voltages))
    problems = lots.validate(lot, {row.code for row in tender.lots})
    if problems:
        raise TenderError("\n".join(problems))
    row = TenderLot(tender_id=tender.id, code=lot.code, name=lot.name, patterns=sorted(lot.patterns),
                    ward_ids=sorted(int(w) for w in lot.wards), voltages=sorted(lot.voltages))
    db.session.add(row)
    db.session.flush()
    if ceiling is not None:  # the lot's 予定価格, sealed like the tender's until the opening
        row.sealed_ceiling = sealing.seal({"ceiling": Decimal(ceiling)}, _seal_key(tender.id))
    db.session.commit()
    return row


def split_lots(office: User, tender_id: int, mode: str) -> list[TenderLot]:
    """Replace the lots by one lot per pattern (item), per participating ward or per voltage class."""
    tender = _tender(tender_id)
    _editable_lots(tender)
    if mode == lots.BY_PATTERN:
        values = [(p.code, p.name) for p in tender.patterns]
    elif mode == lots.BY_WARD:
        values = [(str(tw.ward_id), tw.ward.name_ja) for tw in tender.wards]
    elif mode == lots.BY_VOLTAGE:
        used = set(db.session.scalars(select(FacilityDemandLine.voltage).filter_by(tender_id=tender.id)))
        values = [(v, v) for v in ("低圧", "高圧", "特別高圧") if v in used]
    else:
        raise TenderError("分割の方法を選んでください")
    if not values:
        raise TenderError("分割できるものがまだありません（パターン・参加区・施設の登録後に分割してください）")
    for row in list(tender.lots):
        db.session.delete(row)
    db.session.flush()
    made = [TenderLot(tender_id=tender.id, code=lot.code, name=lot.name, patterns=sorted(lot.patterns),
                      ward_ids=sorted(int(w) for w in lot.wards), voltages=sorted(lot.voltages))
            for lot in lots.split(mode, values)]
    db.session.add_all(made)
    db.session.commit()
    db.session.refresh(tender)
    return made


def delete_lot(office: User, tender_id: int, code: str) -> None:
    tender = _tender(tender_id)
    _editable_lots(tender)
    row = _lot_row(tender, code)
    if row is None:
        raise TenderError("ロットが見つかりません")
    db.session.delete(row)
    db.session.commit()


def _demand_keys(tender: Tender) -> list[tuple[str, str | None, str | None]]:
    if tender.kind == ELECTRICITY:
        return [(str(w), None, v) for w, v in db.session.execute(
            select(FacilityDemandLine.ward_id, FacilityDemandLine.voltage).filter_by(tender_id=tender.id))]
    return [(str(w), p, None) for w, p in db.session.execute(
        select(PcDemandLine.ward_id, PcDemandLine.pattern_code).filter_by(tender_id=tender.id))]


def _lot_problems(tender: Tender) -> list[str]:
    names = {str(tw.ward_id): tw.ward.name_ja for tw in tender.wards}
    _, problems = lots.assignment(_lots(tender), _demand_keys(tender),
                                  lambda key: " / ".join(filter(None, (names.get(key[0], key[0]), key[1], key[2]))))
    return problems


def submit_bid(vendor_user: User, tender_id: int, content: dict, now: datetime) -> Bid:
    """Seal and store; an earlier bid of the vendor becomes 'replaced' (kept, audited)."""
    tender = _tender(tender_id)
    _may("submit_bid", tender, "vendor", now)
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
        old.status = "replaced"
    bid = Bid(tender_id=tender.id, vendor_id=vendor_user.vendor_id, submitted_at=now,
              submitted_by_id=vendor_user.id, sealed=sealing.seal(content, _seal_key(tender.id)),
              receipt=sealing.receipt(content, tender.id, vendor_user.vendor_id, now))
    db.session.add(bid)
    db.session.commit()
    return bid


def _check_complete(tender: Tender, content: dict) -> None:
    """A bid must price everything the wards asked for in each lot it bids for: say so now,
    rather than have it found invalid at the opening."""
    problems = []
    for lot in _lots(tender):
        if lot.code and lot.code not in content.get("lots", []):
            continue
        try:
            _evaluated_price(tender, content, lot)
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


def withdraw_bid(vendor_user: User, tender_id: int, now: datetime) -> None:
    tender = _tender(tender_id)
    _may("withdraw_bid", tender, "vendor", now)
    for bid in db.session.scalars(select(Bid).filter_by(tender_id=tender.id, vendor_id=vendor_user.vendor_id,
                                                        status="active")):
        bid.status = "withdrawn"
    db.session.commit()


def read_bid(bid: Bid, tender: Tender, now: datetime) -> dict:
    """The bid's content, only once the tender is opened and the opening time has come."""
    schedule = _schedule(tender)
    if schedule is None or not lifecycle.can_read_bids(tender.status, now, schedule):
        raise TenderError("開札前は入札内容を読めません")
    return sealing.unseal(bid.sealed, _seal_key(tender.id), now, tender.opening_at)


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
    codes = frozenset(tw.ward.code for tw in tender.wards if not lot.wards or str(tw.ward_id) in lot.wards)
    designated = db.session.get(Ward, tender.designated_ward_id).code if tender.designated_ward_id else None
    return eligibility.Rules(codes, tender.qualification, designated, tender.region, codes, tender.sme_min_valid)


def _pc_demands(tender: Tender, lot: lots.Lot = lots.WHOLE) -> list[evaluation.PcDemand]:
    return [evaluation.PcDemand(str(l.ward_id), l.pattern_code, tuple(l.options), l.quantity, l.lease_months)
            for l in db.session.scalars(select(PcDemandLine).filter_by(tender_id=tender.id).order_by(PcDemandLine.id))
            if lot.covers(str(l.ward_id), pattern=l.pattern_code)]


def _facilities(tender: Tender, lot: lots.Lot = lots.WHOLE) -> list[FacilityDemandLine]:
    return [f for f in db.session.scalars(select(FacilityDemandLine).filter_by(tender_id=tender.id)
                                          .order_by(FacilityDemandLine.id))
            if lot.covers(str(f.ward_id), voltage=f.voltage)]


def _pc_bid(content: dict) -> evaluation.PcBid:
    return evaluation.PcBid(
        {k: Decimal(v) for k, v in content.get("patterns", {}).items()},
        {tuple(k.split(":", 1)): Decimal(v) for k, v in content.get("options", {}).items()},
        {k: Decimal(v) for k, v in content.get("lease_monthly", {}).items()},
        {tuple(k.split(":", 1)): Decimal(v) for k, v in content.get("lease_options_monthly", {}).items()},
        {k: tuple((int(q), Decimal(p)) for q, p in tiers) for k, tiers in content.get("volume_prices", {}).items()})


def _electricity_bid(content: dict) -> evaluation.ElectricityBid:
    return evaluation.ElectricityBid({v: (Decimal(r["base"]), Decimal(r["energy"]))
                                      for v, r in content.get("rates", {}).items() if "base" in r and "energy" in r})


def _facility_demand(f: FacilityDemandLine) -> evaluation.FacilityDemand:
    return evaluation.FacilityDemand(str(f.ward_id), f.facility_name, f.voltage, f.contract_kw, f.power_factor,
                                     tuple(Decimal(k) for k in f.planned_kwh))


def _evaluated_price(tender: Tender, content: dict, lot: lots.Lot = lots.WHOLE) -> Decimal:
    if tender.kind in ITEMIZED:
        return evaluation.pc_evaluated_price(_pc_demands(tender, lot), _pc_bid(content))
    if tender.kind == ELECTRICITY:
        return evaluation.electricity_evaluated_price([_facility_demand(f) for f in _facilities(tender, lot)],
                                                      _electricity_bid(content))
    raise TenderError(f"評価方法が未対応の種別です: {tender.kind}")


def _electricity_reasons(tender: Tender, content: dict, lot: lots.Lot) -> list[str]:
    """Per ward of the lot, the supplier must reach that ward's environmental threshold with its
    table: a supplier failing one ward cannot win a lot that serves that ward."""
    values = {k: Decimal(v) for k, v in content.get("environment", {}).items()}
    _, refused = eligibility.wards_served(values, {tw.ward.name_ja: _environment(tw) for tw in tender.wards
                                                   if not lot.wards or str(tw.ward_id) in lot.wards})
    return [f"{ward}: {reason}" for ward, reason in sorted(refused.items())]


def _reveal_ceiling(sealed: bytes | None, tender: Tender, now: datetime) -> Decimal | None:
    if not sealed:
        return None
    return Decimal(sealing.unseal(sealed, _seal_key(tender.id), now, tender.opening_at)["ceiling"])


def lot_ceiling(tender: Tender, lot_code: str) -> Decimal | None:
    """The 予定価格 that applies in a lot (the tender's for the whole tender), once revealed."""
    return tender.ceiling_price if lot_code == "" else getattr(_lot_row(tender, lot_code), "ceiling_price", None)


def open_bids(office: User, tender_id: int, now: datetime) -> Tender:
    """開札: at or after the opening time, reveal the ceilings, unseal every active bid and, in
    each lot it bids for, compute its evaluated price and eligibility; ineligible bids keep every
    reason, nothing is dropped."""
    tender = move(office, tender_id, "open_bids", now)
    tender.ceiling_price = _reveal_ceiling(tender.sealed_ceiling, tender, now)
    for row in tender.lots:
        row.ceiling_price = _reveal_ceiling(row.sealed_ceiling, tender, now)
    today = now.date()
    bids = db.session.scalars(select(Bid).filter_by(tender_id=tender.id, status="active").order_by(Bid.id)).all()
    contents = {bid.id: read_bid(bid, tender, now) for bid in bids}
    for lot in _lots(tender):
        rules, valid = _rules(tender, lot), {}
        for bid in bids:
            content = contents[bid.id]
            if lot.code and lot.code not in content.get("lots", [lot.code]):
                continue  # the vendor did not bid for this lot
            bidder = _bidder(bid.vendor, today, tender.kind)
            reasons = eligibility.reasons(bidder, rules)
            if tender.kind == ELECTRICITY:
                reasons += _electricity_reasons(tender, content, lot)
            result = BidEvaluation(bid_id=bid.id, lot_code=lot.code)
            try:
                result.evaluated_price = _evaluated_price(tender, content, lot)
            except evaluation.IncompleteBid as exc:
                reasons.append(str(exc))
            ceiling = lot_ceiling(tender, lot.code)
            if ceiling is not None and result.evaluated_price is not None and result.evaluated_price > ceiling:
                reasons.append("予定価格を超えています")
            result.valid, result.invalid_reasons = not reasons, reasons or None
            db.session.add(result)
            if not reasons:
                valid[str(bid.vendor_id)] = (result, bidder)
        for vendor_id, reason in eligibility.apply_sme_rule({k: b for k, (_, b) in valid.items()}, rules).items():
            result = valid[vendor_id][0]
            result.valid, result.invalid_reasons = False, [reason]
    db.session.commit()
    return tender


def _score(tender: Tender, prices: dict[str, Decimal], points: dict[str, Decimal], ceiling: Decimal | None):
    if tender.evaluation_method == "division":
        return evaluation.division_method(prices, points, tender.base_points or Decimal(100), ceiling)
    if tender.evaluation_method == "addition":
        if ceiling is None:
            raise TenderError("加算方式には予定価格が必要です")
        return evaluation.addition_method(prices, points, tender.max_price_points or Decimal(50), ceiling)
    return evaluation.lowest_price(prices, ceiling)


def award(office: User, tender_id: int, now: datetime, technical: dict | None = None,
          seed: int | None = None) -> list[Award]:
    """Evaluate the valid bids of each lot by the tender's method and award each lot; a lot
    without a valid bid is not awarded (不調), and a tender with none ends as "no valid bid".
    `technical`: evaluators' points by vendor id (whole tender) or by (lot code, vendor id)."""
    tender = _tender(tender_id)
    if tender.status == lifecycle.OPENED:
        move(office, tender.id, "start_evaluation", now)
    points_by_lot: dict[str, dict[str, Decimal]] = {}
    for key, value in (technical or {}).items():
        lot_code, vendor_id = key if isinstance(key, tuple) else ("", key)
        points_by_lot.setdefault(lot_code, {})[str(vendor_id)] = Decimal(value)
    seed = seed if seed is not None else int.from_bytes(hashlib.sha256(f"{tender.id}:{now.isoformat()}".encode())
                                                        .digest()[:4], "big")
    made = []
    for lot in _lots(tender):
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
    tender.status = lifecycle.next_state(tender.status, "award", office.role.value, now, _schedule(tender))
    db.session.commit()
    return made


def make_contracts(office: User, tender_id: int, now: datetime) -> list[Contract]:
    """個別契約: for each awarded lot, one contract per ward with demand in it, priced with the
    engine; each lot's contracts add up exactly to its award."""
    tender = _tender(tender_id)
    awards = db.session.scalars(select(Award).filter_by(tender_id=tender.id).order_by(Award.id)).all()
    if not awards:
        raise TenderError("落札者が決まった案件だけ、区別契約を作れます")
    by_code = {lot.code: lot for lot in _lots(tender)}
    made = []
    for award_row in awards:
        lot = by_code[award_row.lot_code]
        content = read_bid(db.session.get(Bid, award_row.bid_id), tender, now)
        if tender.kind in ITEMIZED:
            per_ward = contracts.ward_amounts(_pc_demands(tender, lot), _pc_bid(content))
        else:
            per_ward = _electricity_lines(tender, content, lot)
        lot_contracts = [Contract(tender_id=tender.id, lot_code=lot.code, ward_id=int(ward),
                                  vendor_id=award_row.vendor_id, amount=contracts.total(lines), lines=lines)
                         for ward, lines in sorted(per_ward.items())]
        if sum((c.amount for c in lot_contracts), Decimal(0)) != award_row.price:
            raise TenderError(f"区別契約の合計が落札価格と一致しません（ロット {lot.code or lot.name}）")
        made += lot_contracts
    db.session.add_all(made)
    tender.status = lifecycle.next_state(tender.status, "make_contracts", office.role.value, now, _schedule(tender))
    db.session.commit()
    return made


def _electricity_lines(tender: Tender, content: dict, lot: lots.Lot = lots.WHOLE) -> dict[str, list[dict]]:
    """Per ward: its facilities in the lot with the contract rates and the yearly evaluated amount."""
    bid = _electricity_bid(content)
    lines: dict[str, list[dict]] = {}
    for f in _facilities(tender, lot):
        base, energy = bid.rates[f.voltage]
        lines.setdefault(str(f.ward_id), []).append({
            "facility": f.facility_name, "voltage": f.voltage, "contract_kw": str(f.contract_kw),
            "power_factor": str(f.power_factor), "base_rate": str(base), "energy_rate": str(energy),
            "quantity": 1, "amount": str(evaluation.facility_price(_facility_demand(f), bid))})
    return lines


def record_readings(vendor_user: User, contract_id: int, readings: list[dict]) -> list[ElectricityReading]:
    """The supplier's monthly readings (kWh, peak kW, the month's pass-through rates) per
    contracted facility; a reading of the same facility and month replaces the earlier one."""
    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.vendor_id != vendor_user.vendor_id:
        raise TenderError("契約が見つかりません")
    facilities = {line["facility"] for line in contract.lines if "facility" in line}
    if not facilities:
        raise TenderError("電力の契約ではありません")
    stored = []
    for index, row in enumerate(readings, start=1):
        if row.get("facility") not in facilities:
            raise TenderError(f"{index}件目: 施設「{row.get('facility')}」はこの契約にありません")
        try:
            year, month = int(row["year"]), int(row["month"])
            kwh, peak = Decimal(str(row["kwh"])), Decimal(str(row["peak_kw"]))
            fuel, renewable = Decimal(str(row.get("fuel_adjustment_rate", 0))), Decimal(str(row.get("renewable_rate", 0)))
        except (KeyError, ValueError, ArithmeticError):
            raise TenderError(f"{index}件目: year, month, kwh, peak_kw を数値で指定してください") from None
        if not 1 <= month <= 12 or kwh < 0 or peak < 0:
            raise TenderError(f"{index}件目: 月は1〜12、使用量とピーク電力は0以上にしてください")
        reading = db.session.scalar(select(ElectricityReading).filter_by(
            contract_id=contract.id, facility_name=row["facility"], year=year, month=month))
        if reading is None:
            reading = ElectricityReading(contract_id=contract.id, ward_id=contract.ward_id, vendor_id=contract.vendor_id,
                                         facility_name=row["facility"], year=year, month=month)
            db.session.add(reading)
        reading.kwh, reading.peak_kw = kwh, peak
        reading.fuel_adjustment_rate, reading.renewable_rate = fuel, renewable
        stored.append(reading)
    db.session.commit()
    return stored


def monthly_bill_for(contract: Contract, reading: ElectricityReading) -> list:
    """One facility's charge lines for one reading, at the contract's rates."""
    from tenders.electricity_billing import monthly_charge

    f = next(line for line in contract.lines if line.get("facility") == reading.facility_name)
    return monthly_charge(reading.facility_name, Decimal(f["contract_kw"]), Decimal(f["power_factor"]),
                          Decimal(f["base_rate"]), Decimal(f["energy_rate"]), reading.kwh,
                          reading.fuel_adjustment_rate, reading.renewable_rate)


def monthly_bill(contract: Contract, year: int, month: int) -> list:
    """The month's charge lines of every facility with a reading, at the contract rates."""
    lines = []
    for reading in db.session.scalars(select(ElectricityReading).filter_by(contract_id=contract.id, year=year,
                                                                           month=month)
                                      .order_by(ElectricityReading.facility_name)):
        lines += monthly_bill_for(contract, reading)
    return lines


def change_contract_quantity(ward_user: User, contract_id: int, line_index: int, quantity: int,
                             now: datetime) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.ward_id != ward_user.ward_id:
        raise TenderError("契約が見つかりません")
    tender = _tender(contract.tender_id)
    _may("change_quantity", tender, "ward", now)
    if not 0 <= line_index < len(contract.lines):
        raise TenderError("契約明細が見つかりません")
    original = contract.lines[line_index].get("awarded_quantity", contract.lines[line_index]["quantity"])
    try:
        lines = contracts.change_quantity(contract.lines, line_index, quantity, original,
                                          tender.quantity_tolerance_percent)
    except ValueError as exc:
        raise TenderError(str(exc)) from None
    lines[line_index]["awarded_quantity"] = original
    contract.lines, contract.amount, contract.changed_at = lines, contracts.total(lines), now
    db.session.commit()
    return contract


def delivered_quantities(contract_id: int) -> dict[int, int]:
    from catalog.delivery_models import DeliveryLine

    rows = db.session.execute(select(DeliveryLine.contract_line, func.sum(DeliveryLine.quantity))
                              .where(DeliveryLine.contract_id == contract_id).group_by(DeliveryLine.contract_line))
    return {line: int(total) for line, total in rows}


def deliver_contract(vendor_user: User, contract_id: int, note_number: str, delivered_on, facility_id: int,
                     quantities: dict[int, int]):
    """PC deliveries of a contract by site and date, recorded like catalog deliveries so that the
    ward inspects them and invoicing bills them the same way."""
    from catalog.delivery_models import Delivery, DeliveryLine
    from procure.models import Facility

    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.vendor_id != vendor_user.vendor_id:
        raise TenderError("契約が見つかりません")
    facility = db.session.get(Facility, facility_id) if facility_id else None
    if facility is None or facility.ward_id != contract.ward_id:
        raise TenderError("納品先は契約した区の施設から選んでください")
    note_number = (note_number or "").strip()
    if not note_number:
        raise TenderError("納品書番号を入力してください")
    if db.session.scalar(select(Delivery.id).filter_by(vendor_id=contract.vendor_id, note_number=note_number)):
        raise TenderError(f"納品書番号 {note_number} は既に使われています")
    done = delivered_quantities(contract.id)
    delivery = Delivery(vendor_id=contract.vendor_id, ward_id=contract.ward_id, facility_id=facility.id,
                        note_number=note_number[:40], delivered_on=delivered_on, recorded_by_id=vendor_user.id)
    for index, quantity in sorted(quantities.items()):
        if not quantity:
            continue
        if not 0 <= index < len(contract.lines) or "pattern" not in contract.lines[index]:
            raise TenderError(f"契約明細 {index} はありません")
        line = contract.lines[index]
        remaining = line["quantity"] - done.get(index, 0)
        if not 0 < quantity <= remaining:
            raise TenderError(f"{line['pattern']} の納品数は 1〜{remaining} にしてください")
        options = "・".join(line["options"])
        delivery.lines.append(DeliveryLine(ward_id=contract.ward_id, contract_id=contract.id, contract_line=index,
                                           description=f"{line['pattern']}{'（' + options + '）' if options else ''}",
                                           quantity=quantity))
    if not delivery.lines:
        raise TenderError("納品する数量を1つ以上入力してください")
    db.session.add(delivery)
    db.session.commit()
    return delivery


def ask(vendor_user: User, tender_id: int, text: str, now: datetime) -> TenderQuestion:
    tender = _tender(tender_id)
    _may("ask_question", tender, "vendor", now)
    text = (text or "").strip()
    if not text:
        raise TenderError("質問を入力してください")
    question = TenderQuestion(tender_id=tender.id, vendor_id=vendor_user.vendor_id, question=text[:4000], asked_at=now)
    db.session.add(question)
    db.session.commit()
    return question


def answer(office: User, question_id: int, text: str, now: datetime) -> TenderQuestion:
    question = db.session.get(TenderQuestion, question_id)
    if question is None:
        raise TenderError("質問が見つかりません")
    _may("answer_question", _tender(question.tender_id), "office", now)
    text = (text or "").strip()
    if not text:
        raise TenderError("回答を入力してください")
    question.answer, question.answered_at, question.answered_by_id = text[:4000], now, office.id
    db.session.commit()
    return question


# --- a ward's environmental scoring table ----------------------------------------------------

def _apply_environment(row: TenderWard, threshold: Decimal | None, table: list | None) -> None:
    """Set a ward's threshold and/or table (Criterion rows or their stored JSON), after checking
    the two together: nothing is changed if anything is wrong."""
    from tenders import environment_table

    if table is not None:
        table = [c if isinstance(c, eligibility.Criterion) else environment_table.from_json([c])[0] for c in table]
    current = _environment(row)
    threshold = current.threshold if threshold is None else Decimal(threshold)
    table = current.table if table is None else table
    problems = environment_table.check(threshold, table)
    if problems:
        raise TenderError("\n".join(p.message for p in problems))
    row.environmental_threshold, row.environmental_table = threshold, environment_table.to_json(table)


def set_environment(ward_user: User, tender_id: int, threshold: Decimal, table: list[eligibility.Criterion],
                    now: datetime) -> TenderWard:
    """The ward's own 環境配慮 threshold and scoring table, while demand collection is open; other
    wards' tables are not touched. Bids are checked against each ward's table at the opening."""
    tender = _tender(tender_id)
    if ward_user.ward_id is None:
        raise TenderError("区の職員だけが環境配慮の評価基準を設定できます")
    _may("enter_demand", tender, "ward", now)
    _participating(tender, ward_user.ward_id)
    if tender.kind != ELECTRICITY:
        raise TenderError("環境配慮の評価基準は電力の入札案件だけで設定します")
    row = db.session.scalar(select(TenderWard).filter_by(tender_id=tender.id, ward_id=ward_user.ward_id))
    _apply_environment(row, threshold, table)
    db.session.commit()
    return row


def ward_environments(tender: Tender) -> list[tuple[TenderWard, eligibility.WardEnvironment]]:
    """Each participating ward with the threshold and table its bids are checked against (its
    own, or the default), for showing read-only."""
    return [(row, _environment(row)) for row in tender.wards]
