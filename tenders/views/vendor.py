"""Vendor pages: questions, sealed bids, their contracts (PC deliveries, electricity readings)."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from procure.forms import CsrfForm
from procure import uow
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.models import Role
from procure.permissions import allow, request_user
from procure.textnorm import parse_decimal, parse_int
from tenders import lifecycle, service
from tenders.models import Bid, Contract, ElectricityReading, Tender
from procure.pricing_policy_forms import describe
from tenders.views.common import OPEN_FOR_VENDORS, facility_demand_rows, pc_demand_rows, tender_questions, tender_or_404, bp


@bp.get("/vendor/tenders")
@allow(Role.VENDOR)
def vendor_list():
    user = request_user()
    tenders = db.session.scalars(select(Tender).where(
        Tender.status.in_(OPEN_FOR_VENDORS)
        | Tender.id.in_(select(Contract.tender_id).filter_by(vendor_id=user.vendor_id)))
        .order_by(Tender.bidding_closes)).all()
    return render_template("tenders/vendor_list.html", tenders=tenders)


@bp.route("/vendor/tenders/<int:tender_id>", methods=["GET", "POST"])
@allow(Role.VENDOR)
def vendor_detail(tender_id):
    tender = tender_or_404(tender_id)
    if tender.status == lifecycle.DRAFT or tender.status == lifecycle.DEMAND:
        abort(404)
    user = request_user()
    form, error, receipt = CsrfForm(), None, None
    if request.method == "POST" and form.validate_on_submit():
        try:
            if request.form.get("action") == "ask":
                service.ask(user, tender.id, request.form.get("question", ""), utcnow())
                flash(_("質問を送りました。回答はこのページで全事業者に公開されます"), "success")
            elif request.form.get("action") == "withdraw":
                service.withdraw_bid(user, tender.id, utcnow())
                flash(_("入札を辞退しました（記録は残ります）"), "success")
            else:
                content = {"patterns": {}, "options": {}, "lease_monthly": {}, "lease_options_monthly": {},
                           "rates": {}, "environment": {}}
                for key, value in request.form.items():
                    if not value.strip() or ":" not in key:
                        continue
                    section, name = key.split(":", 1)
                    if section in content:
                        amount = parse_decimal(value)
                        if amount < 0:
                            raise ValueError(_("%(name)s: 0 以上の金額を入力してください", name=name))
                        if section == "rates":  # rates:<voltage>:base|energy
                            voltage, part = name.split(":", 1)
                            content["rates"].setdefault(voltage, {})[part] = str(amount)
                        else:
                            content[section][name] = str(amount)
                volume = {p.code: _volume_tiers(request.form.get(f"volume:{p.code}", ""), p.name)
                          for p in tender.patterns}
                content["volume_prices"] = {code: tiers for code, tiers in volume.items() if tiers}
                content = {k: v for k, v in content.items() if v}
                if tender.lots:
                    content["lots"] = request.form.getlist("lots")
                    if not content["lots"]:
                        raise ValueError(_("入札するロットを1つ以上選んでください"))
                bid = service.submit_bid(user, tender.id, content, utcnow())
                receipt = bid.receipt
                flash(_("入札を受け付けました。受付番号（ハッシュ）: %(r)s　照合用の値（この画面でだけ表示します。控えてください）:"
                        " %(n)s", r=receipt, n=bid.nonce), "success")
        except (service.TenderError, ValueError) as exc:
            uow.rollback()
            error = str(exc)
    mine = db.session.scalars(select(Bid).filter_by(tender_id=tender.id, vendor_id=user.vendor_id)
                              .order_by(Bid.submitted_at)).all()
    contracts = db.session.scalars(select(Contract).filter_by(tender_id=tender.id, vendor_id=user.vendor_id)).all()
    demand = facility_demand_rows(tender) if tender.kind == "electricity" else pc_demand_rows(tender)
    policies = ([(_("案件全体"), describe(service.policy_for(tender)))]
                + [(f"{row.code} {row.name}", describe(service.policy_for(tender, row.code))) for row in tender.lots]
                if tender.kind != "electricity" else [])
    return render_template("tenders/vendor_detail.html", tender=tender, mine=mine, form=form, error=error, demand=demand,
                           contracts=contracts, questions=tender_questions(tender), policies=policies)


def _volume_tiers(text: str, label: str) -> list[list[str]]:
    """「500=93000, 1000=91000」: from 500 pooled units 93,000 yen each (full-width digits too)."""
    tiers = []
    for part in text.replace("、", ",").replace("，", ",").split(","):
        if not part.strip():
            continue
        quantity, sep, price = part.replace("＝", "=").partition("=")
        if not sep:
            raise ValueError(_("%(name)s: 数量段階別単価は「台数=単価」をカンマで区切って入力してください", name=label))
        tiers.append([str(parse_int(quantity, label, 2)), str(parse_decimal(price))])
    return tiers


@bp.route("/vendor/contracts/<int:contract_id>", methods=["GET", "POST"])
@allow(Role.VENDOR)
def vendor_contract(contract_id):
    """The winner's contract with one ward: deliver PCs by site and date (納品書), then the ward
    inspects them like catalog deliveries."""
    from procure.models import Facility
    from procure.textnorm import parse_date

    user = request_user()
    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.vendor_id != user.vendor_id:
        abort(404)
    form, error = CsrfForm(), None
    if request.method == "POST" and form.validate_on_submit() and request.form.get("action") == "readings":
        from tenders.readings_upload import read_readings

        upload = request.files.get("file")
        readings, problems = read_readings(upload.read()) if upload else ([], [_("ファイルを選んでください")])
        try:
            if problems:
                raise ValueError("\n".join(problems))
            stored = service.record_readings(user, contract.id, readings)
            flash(_("%(n)s 件の検針値を登録しました", n=len(stored)), "success")
            return redirect(url_for("tenders.vendor_contract", contract_id=contract.id))
        except (service.TenderError, ValueError) as exc:
            uow.rollback()
            error = str(exc)
    elif request.method == "POST" and form.validate_on_submit():
        try:
            quantities = {int(k[4:]): parse_int(v, _("納品数"), 0) for k, v in request.form.items()
                          if k.startswith("qty_") and v.strip()}
            delivery = service.deliver_contract(user, contract.id, request.form.get("note_number", ""),
                                                parse_date(request.form.get("delivered_on", ""), _("納品日")),
                                                request.form.get("facility_id", type=int), quantities)
            flash(_("納品を登録しました（納品書番号 %(no)s）", no=delivery.note_number), "success")
            return redirect(url_for("tenders.vendor_contract", contract_id=contract.id))
        except (service.TenderError, ValueError) as exc:
            uow.rollback()
            error = str(exc)
    facilities = db.session.scalars(select(Facility).filter_by(ward_id=contract.ward_id).order_by(Facility.id)).all()
    readings = [(r, sum((line.amount for line in service.monthly_bill_for(contract, r)), Decimal(0)))
                for r in db.session.scalars(select(ElectricityReading).filter_by(contract_id=contract.id).order_by(
                    ElectricityReading.year.desc(), ElectricityReading.month.desc(), ElectricityReading.facility_name))]
    return render_template("tenders/vendor_contract.html", contract=contract, form=form, error=error,
                           facilities=facilities, delivered=service.delivered_quantities(contract.id), readings=readings,
                           tender=db.session.get(Tender, contract.tender_id))
