"""Invoicing use cases: monthly consolidated invoices from accepted inspections and pooled-price
adjustments, three-way matching, discrepancy resolution. The only place that commits here."""
from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from catalog.order_models import MonthClose, Order, OrderLine, PooledAdjustment
from catalog.ordering import line_amount
from deliveries import services as deliveries
from fees import service as fees
from invoicing import ledger, matching
from invoicing.ledger import lease_units
from invoicing.tax import credit_with_tax
from invoicing.models import (ACCEPT, ASK_CORRECTION, CORRECTION_REQUESTED, CREDIT_NOTE, DISCREPANCY,
                              GENERATED, PAID, PAYABLE, PAYMENT_PENDING, SUPERSEDED, Invoice, InvoiceLine, VendorBilling, WardBilling)
from procure.money import NON_TAXABLE_CATEGORIES, invoice_totals
from invoicing.states import INVOICE
from procure import state_guard, uow
from procure.statemachine import SYSTEM
from procure.dbtypes import utcnow
from procure.jpcalendar import bank_business_day_on_or_before
from procure.extensions import db
from procure.models import User, Vendor, Ward
from procure.errors import FieldError

STANDARD, REDUCED = Decimal("0.10"), Decimal("0.08")
PAYMENT_DAYS = 30  # 政府契約の支払遅延防止等に関する法律: pay within 30 days of a proper invoice


def due_date_for(issued: date) -> date:
    """30 days after issue, moved back to a bank business day when that falls on a weekend, a
    holiday or 12/31-1/3 (moved back, not forward: the law's 30 days are a limit)."""
    return bank_business_day_on_or_before(issued + timedelta(days=PAYMENT_DAYS))


class InvoicingError(FieldError):
    pass


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _live_invoice_ids():
    return select(Invoice.id).where(Invoice.status != SUPERSEDED)


def invoiced_quantities(order_line_ids, exclude_invoice_id: int | None = None) -> dict[int, Decimal]:
    """Quantity already billed per order line on invoices still in force."""
    stmt = (select(InvoiceLine.order_line_id, func.sum(InvoiceLine.quantity))
            .where(InvoiceLine.order_line_id.in_(order_line_ids), InvoiceLine.invoice_id.in_(_live_invoice_ids()))
            .group_by(InvoiceLine.order_line_id))
    if exclude_invoice_id is not None:
        stmt = stmt.where(InvoiceLine.invoice_id != exclude_invoice_id)
    return {row[0]: Decimal(row[1]) for row in db.session.execute(stmt)}


def accepted_quantities(order_line_ids, until: date) -> dict[int, Decimal]:
    return {line: Decimal(q) for line, q in deliveries.accepted_by_order_line(order_line_ids, until).items()}


def billable(vendor_id: int, ward_id: int, year: int, month: int) -> tuple[list[dict], list[PooledAdjustment]]:
    """What a vendor may bill a ward for a month: accepted and not yet billed quantities of its
    order lines (deliveries up to the month end), and the month's pooled-price adjustments."""
    until = month_end(year, month)
    lines = db.session.scalars(
        select(OrderLine).join(Order).where(
            OrderLine.vendor_id == vendor_id, OrderLine.ward_id == ward_id,
            OrderLine.id.in_(deliveries.inspected_order_line_ids()))
        .order_by(OrderLine.id)).all()
    ids = [line.id for line in lines]
    accepted, billed = accepted_quantities(ids, until), invoiced_quantities(ids)
    goods = []
    for line in lines:
        quantity = accepted.get(line.id, Decimal(0)) - billed.get(line.id, Decimal(0))
        if quantity > 0:
            goods.append({"order_line": line, "quantity": quantity})
    already = select(InvoiceLine.pooled_adjustment_id).where(
        InvoiceLine.pooled_adjustment_id.is_not(None), InvoiceLine.invoice_id.in_(_live_invoice_ids()))
    adjustments = db.session.scalars(
        select(PooledAdjustment).join(MonthClose).where(
            MonthClose.year == year, MonthClose.month == month, PooledAdjustment.vendor_id == vendor_id,
            PooledAdjustment.ward_id == ward_id, PooledAdjustment.adjustment != 0,
            PooledAdjustment.id.not_in(already))
        .order_by(PooledAdjustment.id)).all()
    return goods, adjustments


def billable_readings(vendor_id: int, ward_id: int, year: int, month: int) -> list:
    """Electricity readings of the month on the vendor's contracts with the ward, not yet billed."""
    from tenders.models import ElectricityReading

    already = select(InvoiceLine.reading_id).where(InvoiceLine.reading_id.is_not(None),
                                                   InvoiceLine.invoice_id.in_(_live_invoice_ids()))
    return db.session.scalars(select(ElectricityReading).where(
        ElectricityReading.vendor_id == vendor_id, ElectricityReading.ward_id == ward_id,
        ElectricityReading.year == year, ElectricityReading.month == month,
        ElectricityReading.id.not_in(already)).order_by(ElectricityReading.facility_name)).all()


def _contract_accepted(contract_ids, until: date) -> dict[tuple[int, int], Decimal]:
    return {key: Decimal(q) for key, q in deliveries.accepted_by_contract_line(contract_ids, until).items()}


def _contract_billed(contract_ids, exclude_invoice_id: int | None = None) -> dict[tuple[int, int], Decimal]:
    stmt = (select(InvoiceLine.contract_id, InvoiceLine.contract_line, func.sum(InvoiceLine.quantity))
            .where(InvoiceLine.contract_id.in_(contract_ids), InvoiceLine.invoice_id.in_(_live_invoice_ids()))
            .group_by(InvoiceLine.contract_id, InvoiceLine.contract_line))
    if exclude_invoice_id is not None:
        stmt = stmt.where(InvoiceLine.invoice_id != exclude_invoice_id)
    return {(c, l): Decimal(q) for c, l, q in db.session.execute(stmt)}


def _lease_billed(contract_id: int, index: int, year: int, month: int, exclude_invoice_id: int | None = None) -> Decimal:
    stmt = (select(func.sum(InvoiceLine.quantity)).join(Invoice, InvoiceLine.invoice_id == Invoice.id)
            .where(InvoiceLine.contract_id == contract_id, InvoiceLine.contract_line == index,
                   Invoice.year == year, Invoice.month == month, Invoice.status != SUPERSEDED))
    if exclude_invoice_id is not None:
        stmt = stmt.where(Invoice.id != exclude_invoice_id)
    return Decimal(db.session.scalar(stmt) or 0)


def contract_line_price(line: dict) -> Decimal:
    """Purchase: the unit price; lease: the monthly charge per unit (unit price = monthly x months)."""
    unit = Decimal(line["unit_price"])
    return unit / line["lease_months"] if line.get("lease_months") else unit


def billable_contract_lines(vendor_id: int, ward_id: int, year: int, month: int) -> list[dict]:
    """PC tender contracts: units bought outright and accepted up to the month end, not yet billed;
    leased units accepted and within their lease term this month, billed once per month."""
    from tenders.models import Contract, Tender

    contracts = db.session.scalars(select(Contract).where(Contract.vendor_id == vendor_id,
                                                          Contract.ward_id == ward_id)).all()
    ids = [c.id for c in contracts]
    accepted, billed = _contract_accepted(ids, month_end(year, month)), _contract_billed(ids)
    result = []
    for contract in contracts:
        title = db.session.get(Tender, contract.tender_id).title
        for index, line in enumerate(contract.lines):
            if "pattern" not in line:
                continue
            if line.get("lease_months"):
                quantity = (lease_units(contract.id, index, line["lease_months"], year, month)
                            - _lease_billed(contract.id, index, year, month))
            else:
                quantity = accepted.get((contract.id, index), Decimal(0)) - billed.get((contract.id, index), Decimal(0))
            if quantity > 0:
                result.append({"contract": contract, "index": index, "line": line, "quantity": quantity,
                               "title": title})
    return result


def reading_charges(reading) -> dict[str, object]:
    """The reading's charge lines at its contract's rates, by kind."""
    from tenders.models import Contract
    from tenders.service import monthly_bill_for

    return {line.kind: line for line in monthly_bill_for(db.session.get(Contract, reading.contract_id), reading)}


def set_totals(invoice: Invoice) -> None:
    totals = invoice_totals(((line.amount, line.tax_rate, line.non_taxable_category) for line in invoice.lines),
                            invoice.rounding)
    standard, reduced = totals.by_rate.get(STANDARD), totals.by_rate.get(REDUCED)
    invoice.amount_standard = standard.taxable_amount if standard else Decimal(0)
    invoice.tax_standard = standard.tax if standard else Decimal(0)
    invoice.amount_reduced = reduced.taxable_amount if reduced else Decimal(0)
    invoice.tax_reduced = reduced.tax if reduced else Decimal(0)
    invoice.amount_non_taxable, invoice.total = totals.non_taxable_amount, totals.total


def rounding_of(vendor_id: int) -> str:
    billing = db.session.scalar(select(VendorBilling).filter_by(vendor_id=vendor_id))
    return billing.tax_rounding if billing else "down"


def _next_number(vendor_id: int, prefix: str) -> str:
    count = db.session.scalar(select(func.count()).select_from(Invoice).where(
        Invoice.vendor_id == vendor_id, Invoice.number.like(f"{prefix}%")))
    return f"{prefix}{count + 1:02d}"


@uow.use_case
def generate_invoice(vendor: Vendor, ward: Ward, year: int, month: int, user: User | None,
                     today: date) -> list[Invoice]:
    """一括請求: one invoice per vendor and ward for the month (per facility if the ward asks).
    Nothing to bill gives no invoice. Commits."""
    if today <= month_end(year, month):
        raise InvoicingError(f"{year}年{month}月はまだ締まっていません（月末締め）", "month")
    goods, adjustments = billable(vendor.id, ward.id, year, month)
    readings = billable_readings(vendor.id, ward.id, year, month)
    contract_lines = billable_contract_lines(vendor.id, ward.id, year, month)
    fee_months = fees.billable_fees(vendor.id, ward.id, year, month)
    ward_billing = db.session.scalar(select(WardBilling).filter_by(ward_id=ward.id))
    per_facility = bool(ward_billing and ward_billing.invoice_per_facility)
    groups: dict[int | None, list] = defaultdict(list)
    for entry in goods:
        groups[entry["order_line"].order.facility_id if per_facility else None].append(entry)
    if (adjustments or readings or contract_lines or fee_months) and not groups:
        groups[None] = []
    invoices = []
    for facility_id, entries in sorted(groups.items(), key=lambda kv: kv[0] or 0):
        prefix = f"{year}{month:02d}-{ward.code}-"
        invoice = Invoice(number=_next_number(vendor.id, prefix), vendor_id=vendor.id, ward_id=ward.id,
                          facility_id=facility_id, year=year, month=month, issue_date=month_end(year, month),
                          due_date=due_date_for(month_end(year, month)), source=GENERATED,
                          status=DISCREPANCY, rounding=rounding_of(vendor.id), total=Decimal(0),
                          created_by_id=user.id if user else None)
        for entry in entries:
            line = entry["order_line"]
            invoice.lines.append(InvoiceLine(
                ward_id=ward.id, line_no=len(invoice.lines) + 1, order_line_id=line.id,
                description=line.name, quantity=entry["quantity"], unit=line.unit, unit_price=line.unit_price,
                amount=line_amount(entry["quantity"], line.unit_price), tax_rate=line.tax_rate))
        for adjustment in adjustments:  # pooled-price adjustments go on the first invoice
            invoice.lines.append(InvoiceLine(
                ward_id=ward.id, line_no=len(invoice.lines) + 1, pooled_adjustment_id=adjustment.id,
                description=f"共同単価精算 {adjustment.name}（{year}年{month}月 {_tier_basis(adjustment)}、"
                            f"{adjustment.quantity:,}点）",
                quantity=Decimal(1), unit="式", unit_price=adjustment.adjustment,
                amount=adjustment.adjustment, tax_rate=adjustment.tax_rate))
        adjustments = []
        for reading in readings:  # electricity: per facility, base, energy and pass-through lines
            for kind, charge in reading_charges(reading).items():
                invoice.lines.append(InvoiceLine(
                    ward_id=ward.id, line_no=len(invoice.lines) + 1, reading_id=reading.id, charge_kind=kind,
                    description=f"{charge.description}（{year}年{month}月）", quantity=charge.quantity,
                    unit="kW" if kind == "base" else "kWh", unit_price=charge.unit_price, amount=charge.amount,
                    tax_rate=STANDARD))
        readings = []
        for entry in contract_lines:  # PC tender contracts: accepted units at the contract price
            line, options = entry["line"], "・".join(entry["line"]["options"])
            invoice.lines.append(InvoiceLine(
                ward_id=ward.id, line_no=len(invoice.lines) + 1, contract_id=entry["contract"].id,
                contract_line=entry["index"], description=f"{entry['title']} {line.get('name', line['pattern'])}"
                                                          f"{'（' + options + '）' if options else ''}"
                                                          f"{f' リース料 {year}年{month}月分' if line.get('lease_months') else ''}",
                quantity=entry["quantity"], unit=line.get("unit", "台"), unit_price=contract_line_price(line),
                amount=line_amount(entry["quantity"], contract_line_price(line)),
                tax_rate=Decimal(line.get("tax_rate", STANDARD))))
        contract_lines = []
        for usage, contract, fee in fee_months:  # pooled-volume service fees: base + usage at the pooled tier
            for entry in fees.fee_lines(usage, contract, fee):
                invoice.lines.append(InvoiceLine(ward_id=ward.id, line_no=len(invoice.lines) + 1, fee_usage_id=usage.id,
                                                 tax_rate=contract.tax_rate, **entry))
        fee_months = []
        set_totals(invoice)
        db.session.add(invoice)
        db.session.flush()
        match_invoice(invoice, user.role.value if user else SYSTEM)
        invoices.append(invoice)
    db.session.flush()
    return invoices


def _tier_basis(adjustment: PooledAdjustment) -> str:
    """Which quantity set the month's unit price, by the item's pricing policy."""
    label = {"grouped": "グループ合計", "individual": "自区"}.get(adjustment.pricing_mode, "全区合計")
    return f"{label} {adjustment.tier_quantity or adjustment.pooled_quantity:,}"


def tolerance_for(ward_id: int) -> matching.MatchTolerance:
    billing = db.session.scalar(select(WardBilling).filter_by(ward_id=ward_id))
    if billing is None:
        return matching.EXACT
    return matching.MatchTolerance(amount_yen=billing.tolerance_yen, percent=billing.tolerance_percent)


def match_invoice(invoice: Invoice, role: str = SYSTEM) -> None:
    """Three-way match of every line (invoice vs order vs inspection); sets line and invoice
    status. Pooled adjustments match their recorded amount. Does not commit. `role`: whoever
    caused the match (matching itself is automatic)."""
    goods = [l for l in invoice.lines if l.pooled_adjustment_id is None and l.reading_id is None
             and l.contract_id is None and l.fee_usage_id is None and not l.non_taxable_category]
    ids = [l.order_line_id for l in goods if l.order_line_id is not None]
    orders = {o.id: o for o in db.session.scalars(select(OrderLine).where(
        OrderLine.id.in_(ids), OrderLine.ward_id == invoice.ward_id, OrderLine.vendor_id == invoice.vendor_id))}
    billed = invoiced_quantities(list(orders), exclude_invoice_id=invoice.id)
    accepted = accepted_quantities(list(orders), month_end(invoice.year, invoice.month))
    result = matching.match_invoice(
        [matching.BilledLine(l.line_no, l.order_line_id, l.quantity, l.unit_price, l.amount) for l in goods],
        [matching.OrderLine(o.id, o.quantity, billed.get(o.id, Decimal(0))) for o in orders.values()],
        [matching.Inspection(o.id, accepted[o.id], o.unit_price) for o in orders.values() if o.id in accepted],
        tolerance_for(invoice.ward_id))
    by_line = {m.line_no: m for m in result.lines}
    contract_ids = [l.contract_id for l in invoice.lines if l.contract_id is not None]
    contract_accepted = _contract_accepted(contract_ids, month_end(invoice.year, invoice.month))
    contract_billed = _contract_billed(contract_ids, exclude_invoice_id=invoice.id)
    for line in invoice.lines:
        if line.non_taxable_category:
            line.matched, line.discrepancies = False, [_non_taxable_discrepancy(line.non_taxable_category)]
        elif line.contract_id is not None:
            from tenders.models import Contract

            contract = db.session.get(Contract, line.contract_id)
            key = (line.contract_id, line.contract_line)
            still = contract_accepted.get(key, Decimal(0)) - contract_billed.get(key, Decimal(0))
            found = []
            if contract is None or contract.ward_id != invoice.ward_id or contract.vendor_id != invoice.vendor_id:
                found.append({"code": "no_contract", "message": "この区・事業者の契約が見つかりません"})
            else:
                terms = contract.lines[line.contract_line]
                if terms.get("lease_months"):
                    still = (lease_units(contract.id, line.contract_line, terms["lease_months"], invoice.year,
                                          invoice.month)
                             - _lease_billed(contract.id, line.contract_line, invoice.year, invoice.month, invoice.id))
                if line.quantity > still:
                    found.append({"code": "quantity_exceeds_accepted",
                                  "message": f"請求数量 {line.quantity} が検収済みで未請求の数量 {still} を超えています"})
                if line.unit_price != contract_line_price(terms):
                    found.append({"code": "price_differs_from_contract", "message": "単価が契約単価と異なります"})
            line.matched, line.discrepancies = not found, found or None
        elif line.reading_id is not None:
            from tenders.models import ElectricityReading

            reading = db.session.get(ElectricityReading, line.reading_id)
            expected = reading_charges(reading).get(line.charge_kind) if reading is not None else None
            ok = (expected is not None and reading.ward_id == invoice.ward_id and reading.vendor_id == invoice.vendor_id
                  and expected.amount == line.amount)
            line.matched = ok
            line.discrepancies = None if ok else [{"code": "reading_charge_mismatch",
                                                   "message": "検針値と契約単価から計算した金額と一致しません"}]
        elif line.fee_usage_id is not None:
            line.matched, line.discrepancies = _fee_line_matches(line, invoice)
        elif line.pooled_adjustment_id is not None:
            adjustment = db.session.get(PooledAdjustment, line.pooled_adjustment_id)
            ok = (adjustment is not None and adjustment.ward_id == invoice.ward_id
                  and adjustment.vendor_id == invoice.vendor_id and adjustment.adjustment == line.amount)
            line.matched = ok
            line.discrepancies = None if ok else [{"code": "adjustment_mismatch",
                                                   "message": "共同単価精算額が月次締めの記録と一致しません"}]
        else:
            found = by_line[line.line_no]
            line.matched = found.matched
            line.discrepancies = [{"code": d.code, "message": d.message} for d in found.discrepancies] or None
    refresh_status(invoice, role)


def _non_taxable_discrepancy(category: str) -> dict:
    """Goods bought here are taxed, so a line outside the tax matches no order: the ward decides."""
    return {"code": matching.NON_TAXABLE_LINE,
            "message": f"{NON_TAXABLE_CATEGORIES.get(category, category)}の明細です。発注・検収とは照合できないため、"
                       "内容を確かめて受け入れ・訂正依頼・赤伝のいずれかで処理してください"}


def _fee_line_matches(line: InvoiceLine, invoice: Invoice) -> tuple[bool, list | None]:
    """A fee line stands when it is the ward's month of the vendor's contract at the fee the
    reported units give."""
    from fees.models import FeeUsage

    usage = db.session.get(FeeUsage, line.fee_usage_id)
    fee = None
    if usage is not None and usage.ward_id == invoice.ward_id and usage.contract.vendor_id == invoice.vendor_id:
        fee = fees.fees_for_month(usage.contract, usage.year, usage.month).get(usage.ward_id)
    expected = {e["charge_kind"]: e["amount"] for e in fees.fee_lines(usage, usage.contract, fee)} if fee else {}
    if expected.get(line.charge_kind) == line.amount:
        return True, None
    return False, [{"code": "fee_mismatch", "message": "報告された件数と料金表から計算した金額と一致しません"}]


def refresh_status(invoice: Invoice, role: str = SYSTEM) -> None:
    if invoice.status in (SUPERSEDED, CORRECTION_REQUESTED, PAYMENT_PENDING, PAID):
        return
    settled = all(line.matched or line.resolution in (ACCEPT, CREDIT_NOTE) for line in invoice.lines)
    if settled and invoice.lines and invoice.status != PAYABLE:
        refused = ledger.claim(invoice)  # billed once: the goods' units, under a lock
        ledger.flag_refused(refused)
        settled = not refused
    state_guard.move_to(invoice, INVOICE, PAYABLE if settled and invoice.lines else DISCREPANCY, role)
    invoice.credit = credit_of(invoice)
    if invoice.status == PAYABLE and invoice.payable_amount <= 0:
        # Credited in full: nothing is owed, so nothing is paid; it is settled as paid, audited,
        # rather than left for a payment of 0 yen that no bank or card can make.
        state_guard.step(invoice, INVOICE, "pay", SYSTEM)


def credit_of(invoice: Invoice) -> Decimal:
    """The credit notes' tax-inclusive total: tax-exclusive credits per rate, tax recomputed on
    what is still billed at each rate (invoicing.tax.credit_with_tax)."""
    credits: dict[Decimal, Decimal] = {}
    untaxed = Decimal(0)  # a credit on a line outside the tax takes off its amount, no tax with it
    for line in invoice.lines:
        if line.credit_amount and line.non_taxable_category:
            untaxed += line.credit_amount
        elif line.credit_amount:
            credits[line.tax_rate] = credits.get(line.tax_rate, Decimal(0)) + line.credit_amount
    invoiced = {STANDARD: (invoice.amount_standard, invoice.tax_standard),
                REDUCED: (invoice.amount_reduced, invoice.tax_reduced)}
    return credit_with_tax(invoiced, credits, invoice.rounding) + untaxed


@uow.use_case
def resolve_line(user: User, line_id: int, resolution: str, note: str | None,
                 credit_amount: Decimal | None = None) -> Invoice:
    """The ward settles a mismatched line: accept it, ask for a corrected invoice, or record a
    credit note (the amount the vendor credits back). Commits."""
    line = db.session.get(InvoiceLine, line_id)
    if line is None or line.ward_id != user.ward_id:
        raise InvoicingError("請求明細が見つかりません", "line")
    invoice = line.invoice
    if invoice.status != DISCREPANCY:
        raise InvoicingError("この請求書は不一致の処理中ではありません", "status")
    if line.matched:
        raise InvoicingError("この明細は一致しています", "line")
    note = (note or "").strip()
    if resolution not in (ACCEPT, ASK_CORRECTION, CREDIT_NOTE):
        raise InvoicingError("処理を選んでください", "resolution")
    if not note:
        raise InvoicingError("処理の理由を入力してください", "note")
    if resolution == ACCEPT and not matching.may_accept(line.discrepancies):
        raise InvoicingError("検収済みで未請求の数量を超えて請求している明細は、このまま受け入れることはできません"
                             "（同じ品物を二重に支払うことになります）。訂正を依頼するか、超過分を赤伝で処理してください",
                             "resolution")
    rebilled = matching.ALREADY_BILLED in {d.get("code") for d in line.discrepancies or []}
    if resolution == CREDIT_NOTE and rebilled and credit_amount != line.amount:
        raise InvoicingError(f"請求済みの品物を再度請求している明細です。赤伝は明細の全額（税抜 {line.amount:,.0f} 円）に"
                             "してください", "credit_amount")
    if resolution == CREDIT_NOTE:
        if (credit_amount is None or credit_amount <= 0 or credit_amount > line.amount
                or credit_amount != credit_amount.to_integral_value()):
            raise InvoicingError(f"値引き（赤伝）の金額は税抜の円単位で、0 より大きく明細の金額（税抜 {line.amount:,.0f} 円）"
                                 "以下で入力してください（消費税は請求書で計算し直します）", "credit_amount")
        line.credit_amount = credit_amount
    line.resolution, line.resolution_note = resolution, note[:500]
    line.resolved_by_id, line.resolved_at = user.id, utcnow()
    if resolution == ASK_CORRECTION:
        state_guard.step(invoice, INVOICE, "request_correction", user.role.value)
    else:
        refresh_status(invoice, user.role.value)
    db.session.flush()
    return invoice
