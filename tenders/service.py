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
from tenders import contracts, eligibility, evaluation, lifecycle, sealing
from tenders.models import (ELECTRICITY, GENERIC, PC, Award, Bid, Contract, ElectricityReading, FacilityDemandLine,
                            PcDemandLine, PcPattern, Tender, TenderQuestion, TenderWard)


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
        tender.status = lifecycle.next_state(tender.status, action, office.role.value, now, _schedule(tender))
    except lifecycle.LifecycleError as exc:
        raise TenderError(str(exc)) from None
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
    if threshold is not None:
        joined.environmental_threshold = threshold
    if table is not None:
        joined.environmental_table = table
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
    return eligibility.WardEnvironment(row.environmental_threshold or Decimal(70), table)


def _electricity_reasons(tender: Tender, content: dict) -> list[str]:
    """Per ward, the supplier must reach that ward's environmental threshold with its table."""
    values = {k: Decimal(v) for k, v in content.get("environment", {}).items()}
    _, refused = eligibility.wards_served(values, {tw.ward.name_ja: _environment(tw) for tw in tender.wards})
    return [f"{ward}: {reason}" for ward, reason in sorted(refused.items())]


def submit_bid(vendor_user: User, tender_id: int, content: dict, now: datetime) -> Bid:
    """Seal and store; an earlier bid of the vendor becomes 'replaced' (kept, audited)."""
    tender = _tender(tender_id)
    _may("submit_bid", tender, "vendor", now)
    for old in db.session.scalars(select(Bid).filter_by(tender_id=tender.id, vendor_id=vendor_user.vendor_id,
                                                        status="active")):
        old.status = "replaced"
    bid = Bid(tender_id=tender.id, vendor_id=vendor_user.vendor_id, submitted_at=now,
              submitted_by_id=vendor_user.id, sealed=sealing.seal(content, _seal_key(tender.id)),
              receipt=sealing.receipt(content, tender.id, vendor_user.vendor_id, now))
    db.session.add(bid)
    db.session.commit()
    return bid


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


def _rules(tender: Tender) -> eligibility.Rules:
    codes = frozenset(tw.ward.code for tw in tender.wards)
    designated = db.session.get(Ward, tender.designated_ward_id).code if tender.designated_ward_id else None
    return eligibility.Rules(codes, tender.qualification, designated, tender.region, codes, tender.sme_min_valid)


def _pc_demands(tender: Tender) -> list[evaluation.PcDemand]:
    return [evaluation.PcDemand(str(l.ward_id), l.pattern_code, tuple(l.options), l.quantity, l.lease_months)
            for l in db.session.scalars(select(PcDemandLine).filter_by(tender_id=tender.id).order_by(PcDemandLine.id))]


def _pc_bid(content: dict) -> evaluation.PcBid:
    return evaluation.PcBid(
        {k: Decimal(v) for k, v in content.get("patterns", {}).items()},
        {tuple(k.split(":", 1)): Decimal(v) for k, v in content.get("options", {}).items()},
        {k: Decimal(v) for k, v in content.get("lease_monthly", {}).items()},
        {tuple(k.split(":", 1)): Decimal(v) for k, v in content.get("lease_options_monthly", {}).items()})


def _evaluated_price(tender: Tender, content: dict) -> Decimal:
    if tender.kind in ITEMIZED:
        return evaluation.pc_evaluated_price(_pc_demands(tender), _pc_bid(content))
    if tender.kind == ELECTRICITY:
        facilities = [evaluation.FacilityDemand(str(f.ward_id), f.facility_name, f.voltage, f.contract_kw,
                                                f.power_factor, tuple(Decimal(k) for k in f.planned_kwh))
                      for f in db.session.scalars(select(FacilityDemandLine).filter_by(tender_id=tender.id))]
        rates = {v: (Decimal(r["base"]), Decimal(r["energy"])) for v, r in content.get("rates", {}).items()}
        return evaluation.electricity_evaluated_price(facilities, evaluation.ElectricityBid(rates))
    raise TenderError(f"評価方法が未対応の種別です: {tender.kind}")


def open_bids(office: User, tender_id: int, now: datetime) -> Tender:
    """開札: at or after the opening time, reveal the ceiling, unseal every active bid, compute its
    evaluated price and eligibility; ineligible bids keep their reasons."""
    tender = move(office, tender_id, "open_bids", now)
    if tender.sealed_ceiling:
        tender.ceiling_price = sealing.unseal(tender.sealed_ceiling, _seal_key(tender.id), now,
                                              tender.opening_at)["ceiling"]
        tender.ceiling_price = Decimal(tender.ceiling_price)
    rules, today = _rules(tender), now.date()
    valid = {}
    for bid in db.session.scalars(select(Bid).filter_by(tender_id=tender.id, status="active")):
        reasons = eligibility.reasons(_bidder(bid.vendor, today, tender.kind), rules)
        content = read_bid(bid, tender, now)
        if tender.kind == ELECTRICITY:
            reasons += _electricity_reasons(tender, content)
        try:
            bid.evaluated_price = _evaluated_price(tender, content)
        except evaluation.IncompleteBid as exc:
            reasons.append(str(exc))
        if tender.ceiling_price is not None and bid.evaluated_price and bid.evaluated_price > tender.ceiling_price:
            reasons.append("予定価格を超えています")
        bid.valid, bid.invalid_reasons = not reasons, reasons or None
        if not reasons:
            valid[str(bid.vendor_id)] = (bid, _bidder(bid.vendor, today, tender.kind))
    for vendor_id, reason in eligibility.apply_sme_rule({k: b for k, (_, b) in valid.items()}, rules).items():
        bid = valid[vendor_id][0]
        bid.valid, bid.invalid_reasons = False, [reason]
    db.session.commit()
    return tender


def award(office: User, tender_id: int, now: datetime, technical: dict[int, Decimal] | None = None,
          seed: int | None = None) -> Award | None:
    """Evaluate the valid bids by the tender's method and award; no valid bid ends the tender."""
    tender = _tender(tender_id)
    if tender.status == lifecycle.OPENED:
        move(office, tender.id, "start_evaluation", now)
    bids = {str(b.vendor_id): b for b in db.session.scalars(select(Bid).filter_by(tender_id=tender.id,
                                                                                  status="active", valid=True))}
    if not bids:
        move(office, tender.id, "no_valid_bid", now)
        return None
    prices = {k: b.evaluated_price for k, b in bids.items()}
    points = {str(k): Decimal(v) for k, v in (technical or {}).items()}
    ceiling = tender.ceiling_price
    if tender.evaluation_method == "division":
        scored = evaluation.division_method(prices, points, tender.base_points or Decimal(100), ceiling)
    elif tender.evaluation_method == "addition":
        if ceiling is None:
            raise TenderError("加算方式には予定価格が必要です")
        scored = evaluation.addition_method(prices, points, tender.max_price_points or Decimal(50), ceiling)
    else:
        scored = evaluation.lowest_price(prices, ceiling)
    for s in scored:
        bids[s.bidder].score, bids[s.bidder].technical_points = s.score, points.get(s.bidder)
    seed = seed if seed is not None else int.from_bytes(hashlib.sha256(f"{tender.id}:{now.isoformat()}".encode())
                                                        .digest()[:4], "big")
    try:
        result = evaluation.award(scored, ceiling, seed)
    except ValueError as exc:
        raise TenderError(str(exc)) from None
    winner = bids[result.winner]
    row = Award(tender_id=tender.id, bid_id=winner.id, vendor_id=winner.vendor_id, price=winner.evaluated_price,
                award_rate=result.award_rate, tied_bidders=result.tied or None, tie_seed=result.seed,
                awarded_by_id=office.id)
    tender.tie_seed = result.seed
    db.session.add(row)
    tender.status = lifecycle.next_state(tender.status, "award", office.role.value, now, _schedule(tender))
    db.session.commit()
    return row


def make_contracts(office: User, tender_id: int, now: datetime) -> list[Contract]:
    """個別契約: one contract per participating ward with the winner, priced with the engine;
    the contracts add up exactly to the award."""
    tender = _tender(tender_id)
    award_row = db.session.scalar(select(Award).filter_by(tender_id=tender.id))
    if award_row is None:
        raise TenderError("落札者が決まった案件だけ、区別契約を作れます")
    winning = db.session.get(Bid, award_row.bid_id)
    content = read_bid(winning, tender, now)
    if tender.kind in ITEMIZED:
        per_ward = contracts.ward_amounts(_pc_demands(tender), _pc_bid(content))
    else:
        per_ward = _electricity_lines(tender, content)
    made = [Contract(tender_id=tender.id, ward_id=int(ward), vendor_id=award_row.vendor_id,
                     amount=contracts.total(lines), lines=lines) for ward, lines in sorted(per_ward.items())]
    if sum((c.amount for c in made), Decimal(0)) != award_row.price:
        raise TenderError("区別契約の合計が落札価格と一致しません")
    db.session.add_all(made)
    tender.status = lifecycle.next_state(tender.status, "make_contracts", office.role.value, now, _schedule(tender))
    db.session.commit()
    return made


def _electricity_lines(tender: Tender, content: dict) -> dict[str, list[dict]]:
    """Per ward: its facilities with the contract rates and the yearly evaluated amount."""
    bid = evaluation.ElectricityBid({v: (Decimal(r["base"]), Decimal(r["energy"]))
                                     for v, r in content.get("rates", {}).items()})
    lines: dict[str, list[dict]] = {}
    for f in db.session.scalars(select(FacilityDemandLine).filter_by(tender_id=tender.id)
                                .order_by(FacilityDemandLine.id)):
        demand = evaluation.FacilityDemand(str(f.ward_id), f.facility_name, f.voltage, f.contract_kw, f.power_factor,
                                           tuple(Decimal(k) for k in f.planned_kwh))
        base, energy = bid.rates[f.voltage]
        lines.setdefault(str(f.ward_id), []).append({
            "facility": f.facility_name, "voltage": f.voltage, "contract_kw": str(f.contract_kw),
            "power_factor": str(f.power_factor), "base_rate": str(base), "energy_rate": str(energy),
            "quantity": 1, "amount": str(evaluation.facility_price(demand, bid))})
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
