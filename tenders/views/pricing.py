"""Office: a tender's pricing policy (how volume-tier prices become each ward's unit price) and,
once contracts are made, each ward's unit price, amount and the group that explains it."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from procure import uow
from procure.extensions import db
from procure.forms import CsrfForm
from procure.models import Role, Ward
from procure.permissions import allow, request_user
from procure.pricing.policy import PolicyError
from procure.pricing_policy_forms import MODE_LABELS, ROUNDING_LABELS, describe, policy_from_form  # noqa: F401
from tenders import service
from tenders.models import Contract, Tender
from tenders.views.common import bp, tender_or_404

@bp.post("/office/tenders/<int:tender_id>/pricing-policy")
@allow(Role.OFFICE)
def pricing_policy(tender_id):
    tender = tender_or_404(tender_id)
    if CsrfForm().validate_on_submit():
        try:
            policy = policy_from_form(request.form)
            service.set_pricing_policy(request_user(), tender.id, policy, request.form.get("lot", "").strip())
            flash(_("単価の決め方を設定しました: %(policy)s", policy=describe(policy)), "success")
        except (service.TenderError, PolicyError, ValueError) as exc:
            uow.rollback()
            flash(str(exc), "error")
    return redirect(url_for("tenders.office_detail", tender_id=tender.id) + "#pricing")


@bp.post("/office/tenders/<int:tender_id>/reference-rates")
@allow(Role.OFFICE)
def reference_rates(tender_id):
    """Electricity: the rates before the tender per voltage class; blank pairs are left out."""
    from tenders.facility_upload import VOLTAGES
    from procure.textnorm import parse_decimal

    tender = tender_or_404(tender_id)
    if CsrfForm().validate_on_submit():
        try:
            rates = {}
            for voltage in VOLTAGES:
                base, energy = (request.form.get(f"{k}_{voltage}", "").strip() for k in ("base", "energy"))
                if base or energy:
                    if not (base and energy):
                        raise ValueError(_("%(v)s: 基本料金単価と電力量料金単価の両方を入力してください", v=voltage))
                    try:
                        rates[voltage] = (parse_decimal(base), parse_decimal(energy))
                    except ValueError as exc:
                        raise ValueError(f"{voltage}: {exc}") from None
            service.set_reference_rates(request_user(), tender.id, rates, request.form.get("source", ""))
            flash(_("現行単価を設定しました") if rates else _("現行単価を削除しました"), "success")
        except (service.TenderError, ValueError) as exc:
            uow.rollback()
            flash(str(exc), "error")
    return redirect(url_for("tenders.office_detail", tender_id=tender.id) + "#reference-rates")


def ward_price_rows(tender: Tender) -> list[dict]:
    """Per contract line: the ward, what it buys, its group and the unit price and amount, for the
    office's table of who pays what and why."""
    contracts = db.session.scalars(select(Contract).where(Contract.tender_id == tender.id)
                                   .order_by(Contract.lot_code, Contract.id)).all()
    names = {w.id: w.name_ja for w in db.session.scalars(select(Ward))}
    patterns = {p.code: p.name for p in tender.patterns}
    rows = []
    for contract in contracts:
        for line in contract.lines:
            if "pattern" not in line:
                continue
            pricing = line.get("pricing") or {}
            rows.append({"lot": contract.lot_code, "ward": names.get(contract.ward_id, ""),
                         "item": patterns.get(line["pattern"], line["pattern"]), "lease": line.get("lease_months"),
                         "quantity": line["quantity"], "group": pricing.get("group"),
                         "group_quantity": pricing.get("group_quantity"), "unit_price": line["unit_price"],
                         "amount": line["amount"]})
    return rows


def simulation_sources() -> list[tuple[str, str]]:
    """Tenders' items the price simulator can load (registered for procure.pricing_views)."""
    from tenders import lifecycle

    tenders = db.session.scalars(select(Tender).where(Tender.kind.in_(service.ITEMIZED),
                                                      Tender.status.not_in(lifecycle.TERMINAL))
                                 .order_by(Tender.id.desc()).limit(30)).all()
    return [(f"{t.title} — {p.name}", url_for("tenders.simulate", tender_id=t.id, pattern=p.code))
            for t in tenders for p in t.patterns]


@bp.get("/office/tenders/<int:tender_id>/simulation")
@allow(Role.OFFICE)
def simulate(tender_id):
    """The simulator on a real tender's demand for one item (and, once bids are opened, the
    awarded or lowest valid bid's schedule): the three policies side by side, and, while the
    tender's terms may change, a button to set the one chosen."""
    from decimal import Decimal

    from procure.dbtypes import utcnow
    from procure.pricing_forms import SimulationForm
    from procure.pricing_views import compare, render_simulation

    tender = tender_or_404(tender_id)
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    form = SimulationForm(formdata=None)
    try:
        source = service.simulation_source(tender.id, request.args.get("pattern", ""), utcnow())
    except service.TenderError as exc:
        flash(str(exc), "error")
        return render_simulation(form, wards, {}, sources=simulation_sources())
    policy = service.policy_for(tender)
    form.rounding.data = policy.rounding
    form.max_groups.data = str(policy.max_groups)
    form.group_breaks.data = ", ".join(str(b) for b in policy.group_breaks)
    if source["tiers"]:
        form.tiers.data = "\n".join(f"{q}:{p}" for q, p in source["tiers"])
    demand = {code: (Decimal(q), None) for code, q in source["quantities"].items()}
    outcomes, error, chart = compare(form, wards, demand)
    return render_simulation(form, wards, demand, outcomes, error, chart, sources=simulation_sources(),
                             loaded=source, apply_form=CsrfForm() if tender.status in service.LOT_EDITABLE else None)
