"""Before bidding: create a tender, add patterns or items, move it through the lifecycle, wards
join and enter their demand and environmental criteria, vendors ask and the office answers."""
from __future__ import annotations

import re
import unicodedata

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from procure import state_guard, uow
from procure.extensions import db
from procure.models import User
from tenders import contracts, eligibility, lifecycle, options, sealing
from tenders.states import TENDER
from tenders.models import ELECTRICITY, GENERIC, PC, FacilityDemandLine, PcDemandLine, PcPattern, Tender, TenderQuestion, TenderWard
from tenders.service.common import TenderError, require_activity, require_participating, tender_schedule, seal_key_for, get_tender
from tenders.service.lotting import lot_problems


TENDER_KINDS = (PC, ELECTRICITY, GENERIC)
EVALUATION_METHODS = ("lowest", "division", "addition")
REGIONS = (None, "tokyo", "in_ward")
QUALIFICATIONS = ("each_ward", "designated_ward")


@uow.use_case
def create_tender(office: User, kind: str, title: str, bidding_opens: datetime, bidding_closes: datetime,
                  opening_at: datetime, ceiling: Decimal | None, procurement_method: str = "open",
                  procurement_ground: str | None = None, **settings) -> Tender:
    """A tender in draft. Its procurement method is checked against the law (随意契約 for a small
    amount only up to 別表第5's limit on the day bidding opens, compared with the 予定価格)."""
    from procure import procurement_method as methods
    from procure.formatting import TOKYO

    choices = {"kind": (kind, TENDER_KINDS, "種別"),
               "evaluation_method": (settings.get("evaluation_method", "lowest"), EVALUATION_METHODS, "評価方法"),
               "region": (settings.get("region"), REGIONS, "地域要件"),
               "qualification": (settings.get("qualification", "each_ward"), QUALIFICATIONS, "入札参加資格"),
               "leasing": (settings.get("leasing", "allowed"), contracts.LEASING_CHOICES, "購入・リースの別")}
    for value, allowed, label in choices.values():
        if value not in allowed:
            raise TenderError(f"{label}を一覧から選んでください")
    lifecycle.Schedule(bidding_opens, bidding_closes, opening_at)  # validates the order
    starts, ends = settings.get("contract_starts"), settings.get("contract_ends")
    if (starts is None) != (ends is None):
        raise TenderError("契約期間は始期と終期の両方を入力してください")
    if starts is not None and ends < starts:
        raise TenderError("契約期間の終期は始期以降の日にしてください")
    if starts is not None and starts <= opening_at.astimezone(TOKYO).date():
        raise TenderError("契約期間の始期は開札日より後の日にしてください")
    if kind != "pc":
        settings["leasing"] = "no"
    try:  # each kind of contract the tender makes is held to its own limit
        for contract_kind in contracts.law_kinds(kind, settings.get("leasing", "allowed")):
            method = methods.checked(procurement_method, procurement_ground or None, contract_kind,
                                     Decimal(ceiling) if ceiling is not None else None,
                                     bidding_opens.astimezone(TOKYO).date())
    except methods.MethodError as exc:
        raise TenderError(str(exc)) from None
    tender = Tender(kind=kind, title=title, bidding_opens=bidding_opens, bidding_closes=bidding_closes,
                    opening_at=opening_at, created_by_id=office.id, procurement_method=method.method,
                    procurement_ground=method.ground, **settings)
    db.session.add(tender)
    db.session.flush()
    if ceiling is not None:  # 予定価格: sealed like the bids until the opening
        tender.sealed_ceiling = sealing.seal({"ceiling": Decimal(ceiling)}, seal_key_for(tender.id))
    db.session.flush()
    return tender


@uow.use_case
def add_pattern(office: User, tender_id: int, code: str, name: str, options: list[dict], spec: str = "",
                unit: str = "台", tax_rate: Decimal = Decimal("0.10"), cpv: str | None = None) -> PcPattern:
    """A spec pattern (or item) with its option tiers, the unit it is counted in, its consumption
    tax rate (0.08 for food and drink, 軽減税率) and, optionally, its CPV code (8 digits, the check
    digit after a hyphen may be given) to classify it in the published OCDS."""
    tender = get_tender(tender_id)
    if tender.status not in (lifecycle.DRAFT, lifecycle.DEMAND):
        raise TenderError("仕様パターンは公告前にだけ追加できます")
    code, name = (code or "").strip(), (name or "").strip()
    problems = [] if code and len(code) <= 20 else ["コードを 20 文字以内で入力してください"]
    if not name:
        problems.append("名称を入力してください")
    if any(p.code == code for p in tender.patterns):
        problems.append(f"コード {code} は既にあります")
    codes = [o.get("code") for o in options]
    if len(set(codes)) != len(codes):
        problems.append("オプションのコードが重複しています")
    if Decimal(tax_rate) not in (Decimal("0.10"), Decimal("0.08")):
        problems.append("税率は 10% か 8%（軽減税率）にしてください")
    unit = (unit or "").strip() or "台"
    cpv = unicodedata.normalize("NFKC", cpv or "").strip()
    if cpv and not re.fullmatch(r"\d{8}(-\d)?", cpv):
        problems.append(f"CPV コードは 8 桁の数字で入力してください（{cpv}）")
    if problems:
        raise TenderError("\n".join(problems))
    pattern = PcPattern(tender_id=tender.id, code=code, name=name, spec=spec, options=options, unit=unit[:10],
                        tax_rate=Decimal(tax_rate), cpv=cpv[:8] or None)
    db.session.add(pattern)
    db.session.flush()
    return pattern


@uow.use_case
def move(office: User, tender_id: int, action: str, now: datetime) -> Tender:
    tender = get_tender(tender_id)
    try:
        lifecycle.next_state(tender.status, action, office.role.value, now, tender_schedule(tender))
    except lifecycle.LifecycleError as exc:
        raise TenderError(str(exc)) from None
    if action == "open_bidding" and tender.lots:
        problems = lot_problems(tender)
        if problems:  # every demand line in exactly one lot, before anyone bids on the lots
            raise TenderError("ロットの範囲を直してください:\n" + "\n".join(problems))
    state_guard.step(tender, TENDER, action, office.role.value)
    db.session.flush()
    return tender


@uow.use_case
def join(ward_user: User, tender_id: int, now: datetime, threshold: Decimal | None = None) -> TenderWard:
    tender = get_tender(tender_id)
    require_activity("join_demand", tender, ward_user, now)
    row = db.session.scalar(select(TenderWard).filter_by(tender_id=tender.id, ward_id=ward_user.ward_id))
    if row is None:
        row = TenderWard(tender_id=tender.id, ward_id=ward_user.ward_id, round=tender.demand_round,
                         environmental_threshold=threshold)
        db.session.add(row)
        db.session.flush()
    return row


@uow.use_case
def open_next_round(office: User, tender_id: int, now: datetime) -> Tender:
    """追加募集: a further call for wards while demand collection is open; wards that join from now
    on are recorded in the new round (those already in keep theirs)."""
    tender = get_tender(tender_id)
    require_activity("next_round", tender, office, now)
    tender.demand_round += 1
    db.session.flush()
    return tender


@uow.use_case
def enter_pc_demand(ward_user: User, tender_id: int, lines: list[dict], now: datetime) -> list[PcDemandLine]:
    tender = get_tender(tender_id)
    require_activity("enter_demand", tender, ward_user, now)
    require_participating(tender, ward_user.ward_id)
    patterns = {p.code: p.options for p in tender.patterns}
    rows = []
    for index, line in enumerate(lines, start=1):
        where = line.get("row") or f"{index}行目"
        if line["pattern"] not in patterns:
            raise TenderError(f"{where}: 仕様パターン {line['pattern']} はこの案件にありません")
        problems = options.choice_problems(patterns[line["pattern"]], list(line.get("options", [])))
        if problems:
            raise TenderError(f"{where}: {'; '.join(problems)}")
        if int(line["quantity"]) <= 0:
            raise TenderError(f"{where}: 数量は 1 以上にしてください")
        leasing = contracts.leasing_problem(tender.leasing, line.get("lease_months"))
        if tender.kind == "pc" and leasing:
            raise TenderError(f"{where}: {leasing}")
        if line.get("facility_id"):
            from procure.models import Facility

            site = db.session.get(Facility, line["facility_id"])
            if site is None or site.ward_id != ward_user.ward_id:
                raise TenderError(f"{where}: 納品場所は自区の施設から選んでください")
        if line.get("delivery_date") and tender.opening_at and line["delivery_date"] <= tender.opening_at.date():
            raise TenderError(f"{where}: 納品希望日は開札日より後にしてください")
        rows.append(PcDemandLine(tender_id=tender.id, ward_id=ward_user.ward_id, pattern_code=line["pattern"],
                                 options=sorted(line.get("options", [])), quantity=int(line["quantity"]),
                                 lease_months=line.get("lease_months"), facility_id=line.get("facility_id"),
                                 delivery_date=line.get("delivery_date")))
    db.session.execute(PcDemandLine.__table__.delete().where(
        PcDemandLine.tender_id == tender.id, PcDemandLine.ward_id == ward_user.ward_id))
    db.session.add_all(rows)
    db.session.flush()
    return rows


@uow.use_case
def enter_facility_demand(ward_user: User, tender_id: int, facilities: list[dict], now: datetime,
                          threshold: Decimal | None = None, table: list | None = None) -> int:
    """Electricity: the ward's facilities (replacing its earlier list) and its environmental
    threshold and scoring table."""
    tender = get_tender(tender_id)
    require_activity("enter_demand", tender, ward_user, now)
    require_participating(tender, ward_user.ward_id)
    db.session.execute(FacilityDemandLine.__table__.delete().where(
        FacilityDemandLine.tender_id == tender.id, FacilityDemandLine.ward_id == ward_user.ward_id))
    db.session.add_all(FacilityDemandLine(tender_id=tender.id, ward_id=ward_user.ward_id, **row) for row in facilities)
    joined = db.session.scalar(select(TenderWard).filter_by(tender_id=tender.id, ward_id=ward_user.ward_id))
    if threshold is not None or table is not None:  # checked like set_environment (no unreachable threshold)
        _apply_environment(joined, threshold, table)
    db.session.flush()
    return len(facilities)


DEFAULT_ENVIRONMENT_TABLE = [  # a typical 環境配慮 table (points), when a ward does not set its own
    {"name": "co2", "higher_is_better": False, "bands": [["0.300", "50"], ["0.450", "30"], ["0.600", "10"]]},
    {"name": "renewable", "higher_is_better": True, "bands": [["30", "30"], ["10", "15"]]},
    {"name": "unused", "higher_is_better": True, "bands": [["1", "20"]]},
]


def ward_environment(row: TenderWard) -> eligibility.WardEnvironment:
    from tenders import environment_table

    table = environment_table.from_json(row.environmental_table or DEFAULT_ENVIRONMENT_TABLE)
    threshold = Decimal(70) if row.environmental_threshold is None else row.environmental_threshold  # 0 is a threshold
    return eligibility.WardEnvironment(threshold, table)


def _apply_environment(row: TenderWard, threshold: Decimal | None, table: list | None) -> None:
    """Set a ward's threshold and/or table (Criterion rows or their stored JSON), after checking
    the two together: nothing is changed if anything is wrong."""
    from tenders import environment_table

    if table is not None:
        table = [c if isinstance(c, eligibility.Criterion) else environment_table.from_json([c])[0] for c in table]
    current = ward_environment(row)
    threshold = current.threshold if threshold is None else Decimal(threshold)
    table = current.table if table is None else table
    problems = environment_table.check(threshold, table)
    if problems:
        raise TenderError("\n".join(p.message for p in problems))
    row.environmental_threshold, row.environmental_table = threshold, environment_table.to_json(table)


@uow.use_case
def set_environment(ward_user: User, tender_id: int, threshold: Decimal, table: list[eligibility.Criterion],
                    now: datetime) -> TenderWard:
    """The ward's own 環境配慮 threshold and scoring table, while demand collection is open; other
    wards' tables are not touched. Bids are checked against each ward's table at the opening."""
    tender = get_tender(tender_id)
    if ward_user.ward_id is None:
        raise TenderError("区の職員だけが環境配慮の評価基準を設定できます")
    require_activity("enter_demand", tender, ward_user, now)
    require_participating(tender, ward_user.ward_id)
    if tender.kind != ELECTRICITY:
        raise TenderError("環境配慮の評価基準は電力の入札案件だけで設定します")
    row = db.session.scalar(select(TenderWard).filter_by(tender_id=tender.id, ward_id=ward_user.ward_id))
    _apply_environment(row, threshold, table)
    db.session.flush()
    return row


def ward_environments(tender: Tender) -> list[tuple[TenderWard, eligibility.WardEnvironment]]:
    """Each participating ward with the threshold and table its bids are checked against (its
    own, or the default), for showing read-only."""
    return [(row, ward_environment(row)) for row in tender.wards]


@uow.use_case
def ask(vendor_user: User, tender_id: int, text: str, now: datetime) -> TenderQuestion:
    tender = get_tender(tender_id)
    require_activity("ask_question", tender, vendor_user, now)
    text = (text or "").strip()
    if not text:
        raise TenderError("質問を入力してください")
    question = TenderQuestion(tender_id=tender.id, vendor_id=vendor_user.vendor_id, question=text[:4000], asked_at=now)
    db.session.add(question)
    db.session.flush()
    return question


@uow.use_case
def answer(office: User, question_id: int, text: str, now: datetime) -> TenderQuestion:
    question = db.session.get(TenderQuestion, question_id)
    if question is None:
        raise TenderError("質問が見つかりません")
    require_activity("answer_question", get_tender(question.tender_id), office, now)
    text = (text or "").strip()
    if not text:
        raise TenderError("回答を入力してください")
    question.answer, question.answered_at, question.answered_by_id = text[:4000], now, office.id
    db.session.flush()
    return question
