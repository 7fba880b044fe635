"""After the award: quantity changes within the tolerance, PC deliveries by site and date, and
electricity readings with their monthly charge at the contract rates."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from deliveries import services as deliveries
from procure import audit, uow
from procure.state_guard import Conflict
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.models import User
from tenders import contracts
from tenders.models import Contract, ContractAmendment, ElectricityReading
from tenders.service.common import TenderError, require_activity, get_tender


@uow.use_case
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
    db.session.flush()
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


@uow.use_case
def change_contract_quantity(ward_user: User, contract_id: int, line_index: int, quantity: int,
                             now: datetime, rationale: str) -> Contract:
    """A change of one line's quantity within the tender's tolerance, recorded as an amendment
    (契約変更) with its rationale, as the ward's records and the published OCDS need it."""
    rationale = " ".join((rationale or "").split())
    if not rationale:
        raise TenderError("変更理由を入力してください")
    if len(rationale) > 500:
        raise TenderError("変更理由は 500 文字以内で入力してください")
    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.ward_id != ward_user.ward_id:
        raise TenderError("契約が見つかりません")
    tender = get_tender(contract.tender_id)
    require_activity("change_quantity", tender, ward_user, now)
    if not 0 <= line_index < len(contract.lines):
        raise TenderError("契約明細が見つかりません")
    original = contract.lines[line_index].get("awarded_quantity", contract.lines[line_index]["quantity"])
    try:
        lines = contracts.change_quantity(contract.lines, line_index, quantity, original,
                                          tender.quantity_tolerance_percent)
    except ValueError as exc:
        raise TenderError(str(exc)) from None
    lines[line_index]["awarded_quantity"] = original
    before = contract.lines[line_index]
    if int(before["quantity"]) == quantity:
        raise TenderError("数量が変わっていません")
    # Compare-and-set on the last change: of two changes made from the same reading, one wins and
    # the other is told someone was first (no change lost, one amendment per change).
    seen = contract.changed_at
    unchanged = Contract.changed_at.is_(None) if seen is None else Contract.changed_at == seen
    amount_before = contract.amount
    if not audit.audited_update(Contract, Contract.id == contract.id, unchanged,
                                values={"lines": lines, "amount": contracts.total(lines), "changed_at": now}):
        raise Conflict("tender_contract")
    db.session.refresh(contract)
    db.session.add(ContractAmendment(
        contract_id=contract.id, line_index=line_index, item=_line_label(before),
        from_quantity=int(before["quantity"]), to_quantity=quantity, amount_before=amount_before,
        amount_after=contract.amount, rationale=rationale, amended_at=now, amended_by_id=ward_user.id))
    db.session.flush()
    return contract


def _line_label(line: dict) -> str:
    options = ", ".join(line.get("options") or ())
    return f"{line.get('pattern', '')}{f' ({options})' if options else ''}"[:200]


def delivered_quantities(contract_id: int) -> dict[int, int]:
    return deliveries.delivered_by_contract_line(contract_id)


@uow.use_case
def deliver_contract(vendor_user: User, contract_id: int, note_number: str, delivered_on, facility_id: int,
                     quantities: dict[int, int]):
    """PC deliveries of a contract by site and date, recorded like catalog deliveries so that the
    ward inspects them and invoicing bills them the same way."""
    from procure.models import Facility

    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.vendor_id != vendor_user.vendor_id:
        raise TenderError("契約が見つかりません")
    facility = db.session.get(Facility, facility_id) if facility_id else None
    if facility is None or facility.ward_id != contract.ward_id:
        raise TenderError("納品先は契約した区の施設から選んでください")
    try:
        note_number = deliveries.free_note_number(contract.vendor_id, note_number)
    except deliveries.DeliveryError as exc:
        raise TenderError(str(exc)) from None
    ahead = deliveries.delivery_date_problem(delivered_on, today_in_tokyo())
    if ahead:
        raise TenderError(ahead)
    done, lines = delivered_quantities(contract.id), []
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
        lines.append(deliveries.NewLine(ward_id=contract.ward_id, contract_id=contract.id, contract_line=index,
                                        description=f"{line['pattern']}{'（' + options + '）' if options else ''}",
                                        quantity=quantity))
    try:
        return deliveries.record_delivery(vendor_id=contract.vendor_id, ward_id=contract.ward_id,
                                          facility_id=facility.id, note_number=note_number,
                                          delivered_on=delivered_on, recorded_by=vendor_user, lines=lines)
    except deliveries.DeliveryError as exc:
        raise TenderError(str(exc)) from None
