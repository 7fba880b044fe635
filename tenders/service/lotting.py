"""Splitting a tender into lots before bidding opens, and checking that every demand line falls
in exactly one lot."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from procure import uow
from procure.extensions import db
from procure.models import User
from tenders import lifecycle, lots, sealing
from tenders.models import ELECTRICITY, FacilityDemandLine, PcDemandLine, Tender, TenderLot
from tenders.service.common import TenderError, seal_key_for, get_tender


LOT_EDITABLE = (lifecycle.DRAFT, lifecycle.DEMAND, lifecycle.PUBLISHED, lifecycle.QUESTIONS)


def tender_lots(tender: Tender) -> list[lots.Lot]:
    """The tender's lots, or the whole tender as one lot."""
    return [lots.Lot(row.code, row.name, frozenset(row.patterns), frozenset(str(w) for w in row.ward_ids),
                     frozenset(row.voltages)) for row in tender.lots] or [lots.WHOLE]


def lot_row(tender: Tender, code: str) -> TenderLot | None:
    return next((row for row in tender.lots if row.code == code), None)


def _stored(tender: Tender, lot: lots.Lot) -> TenderLot:
    return TenderLot(tender_id=tender.id, code=lot.code, name=lot.name, patterns=sorted(lot.patterns),
                     ward_ids=sorted(int(w) for w in lot.wards), voltages=sorted(lot.voltages))


def _editable_lots(tender: Tender) -> None:
    if tender.status not in LOT_EDITABLE:
        raise TenderError("ロットは入札期間の開始前にだけ変更できます")


@uow.use_case
def add_lot(office: User, tender_id: int, code: str, name: str, patterns=(), ward_ids=(), voltages=(),
            ceiling: Decimal | None = None) -> TenderLot:
    tender = get_tender(tender_id)
    _editable_lots(tender)
    lot = lots.Lot(code.strip(), name.strip(), frozenset(patterns), frozenset(str(w) for w in ward_ids),
                   frozenset(voltages))
    problems = lots.validate(lot, {row.code for row in tender.lots})
    if problems:
        raise TenderError("\n".join(problems))
    row = _stored(tender, lot)
    db.session.add(row)
    db.session.flush()
    if ceiling is not None:  # the lot's 予定価格, sealed like the tender's until the opening
        row.sealed_ceiling = sealing.seal({"ceiling": Decimal(ceiling)}, seal_key_for(tender.id))
    db.session.flush()
    return row


@uow.use_case
def split_lots(office: User, tender_id: int, mode: str) -> list[TenderLot]:
    """Replace the lots by one lot per pattern (item), per participating ward or per voltage class."""
    tender = get_tender(tender_id)
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
    made = [_stored(tender, lot) for lot in lots.split(mode, values)]
    db.session.add_all(made)
    db.session.flush()
    db.session.refresh(tender)
    return made


@uow.use_case
def delete_lot(office: User, tender_id: int, code: str) -> None:
    tender = get_tender(tender_id)
    _editable_lots(tender)
    row = lot_row(tender, code)
    if row is None:
        raise TenderError("ロットが見つかりません")
    db.session.delete(row)
    db.session.flush()


def _demand_keys(tender: Tender) -> list[tuple[str, str | None, str | None]]:
    if tender.kind == ELECTRICITY:
        return [(str(w), None, v) for w, v in db.session.execute(
            select(FacilityDemandLine.ward_id, FacilityDemandLine.voltage).filter_by(tender_id=tender.id))]
    return [(str(w), p, None) for w, p in db.session.execute(
        select(PcDemandLine.ward_id, PcDemandLine.pattern_code).filter_by(tender_id=tender.id))]


def lot_problems(tender: Tender) -> list[str]:
    names = {str(tw.ward_id): tw.ward.name_ja for tw in tender.wards}
    _, problems = lots.assignment(tender_lots(tender), _demand_keys(tender),
                                  lambda key: " / ".join(filter(None, (names.get(key[0], key[0]), key[1], key[2]))))
    return problems
