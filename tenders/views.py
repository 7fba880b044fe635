"""Tender pages: the office runs them, wards join and enter demand, vendors bid; public results
and the OCDS release. Thin: parse, call tenders.service, render."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from catalog.forms import CsrfForm
from procure.dbtypes import utcnow
from procure.extensions import db
from procure.jpcalendar import TOKYO
from procure.models import Role, Ward
from procure.permissions import WARD, allow, public, request_user
from procure.textnorm import parse_date, parse_decimal, parse_int
from tenders import lifecycle, ocds, service
from tenders.models import (Award, Bid, BidEvaluation, Contract, ElectricityReading, FacilityDemandLine,
                            PcDemandLine, Tender, TenderQuestion, TenderWard)

bp = Blueprint("tenders", __name__)
OFFICE_ACTIONS = ("open_demand", "publish", "open_questions", "open_bidding", "make_contracts", "complete",
                  "cancel")
OPEN_FOR_VENDORS = (lifecycle.PUBLISHED, lifecycle.QUESTIONS, lifecycle.BIDDING)
WON = (lifecycle.AWARDED, lifecycle.CONTRACTED, lifecycle.COMPLETED)


def _local(text: str, label: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=TOKYO)
    except ValueError:
        raise ValueError(_("%(label)s: 日時を入力してください", label=label)) from None


def _tender_or_404(tender_id: int) -> Tender:
    tender = db.session.get(Tender, tender_id)
    if tender is None:
        abort(404)
    return tender


# --- office ------------------------------------------------------------------------------

@bp.route("/office/tenders", methods=["GET", "POST"])
@allow(Role.OFFICE)
def office_list():
    form, error = CsrfForm(), None
    if request.method == "POST" and form.validate_on_submit():
        f = request.form
        try:
            ceiling = parse_decimal(f["ceiling"]) if f.get("ceiling", "").strip() else None
            designated = db.session.scalar(select(Ward.id).filter_by(code=f.get("designated_ward", "")))
            tender = service.create_tender(
                request_user(), f.get("kind", "pc"), f.get("title", "").strip() or _("（無題）"),
                _local(f.get("bidding_opens", ""), _("入札開始")), _local(f.get("bidding_closes", ""), _("入札締切")),
                _local(f.get("opening_at", ""), _("開札日時")), ceiling,
                evaluation_method=f.get("evaluation_method", "lowest"),
                qualification="designated_ward" if designated else "each_ward", designated_ward_id=designated,
                region=f.get("region") or None,
                sme_min_valid=parse_int(f["sme_min_valid"], _("中小企業優先の者数"), 1) if f.get("sme_min_valid") else None)
            flash(_("入札案件を作成しました"), "success")
            return redirect(url_for("tenders.office_detail", tender_id=tender.id))
        except (ValueError, service.TenderError) as exc:
            db.session.rollback()
            error = str(exc)
    tenders = db.session.scalars(select(Tender).order_by(Tender.id.desc())).all()
    wards = db.session.scalars(select(Ward).order_by(Ward.code)).all()
    return render_template("tenders/office_list.html", tenders=tenders, wards=wards, form=form, error=error)


@bp.get("/office/tenders/<int:tender_id>")
@allow(Role.OFFICE)
def office_detail(tender_id):
    tender = _tender_or_404(tender_id)
    opened = tender.status in (lifecycle.OPENED, lifecycle.EVALUATION, lifecycle.AWARDED, lifecycle.CONTRACTED,
                               lifecycle.COMPLETED, lifecycle.NO_VALID_BID)
    bids = db.session.scalars(select(Bid).filter_by(tender_id=tender.id).order_by(Bid.submitted_at)).all()
    demand = db.session.execute(
        select(Ward.name_ja, PcDemandLine.pattern_code, func.sum(PcDemandLine.quantity))
        .join(Ward, Ward.id == PcDemandLine.ward_id).where(PcDemandLine.tender_id == tender.id)
        .group_by(Ward.name_ja, PcDemandLine.pattern_code).order_by(Ward.name_ja)).all()
    return render_template("tenders/office_detail.html", tender=tender, bids=bids, opened=opened, demand=demand,
                           facility_demand=_facility_demand(tender),
                           results=_lot_results(tender, bids) if opened else [], form=CsrfForm(),
                           actions=OFFICE_ACTIONS, questions=_questions(tender), lot_editable=tender.status in
                           service.LOT_EDITABLE, ward_names={tw.ward_id: tw.ward.name_ja for tw in tender.wards})


def _facility_demand(tender: Tender) -> list[tuple[str, str, int, Decimal, Decimal]]:
    """Electricity demand by ward and voltage class: facilities, contract kW, planned kWh a year."""
    totals: dict[tuple[str, str], list] = {}
    for ward, f in db.session.execute(select(Ward.name_ja, FacilityDemandLine).join(
            Ward, Ward.id == FacilityDemandLine.ward_id).where(FacilityDemandLine.tender_id == tender.id)):
        row = totals.setdefault((ward, f.voltage), [0, Decimal(0), Decimal(0)])
        row[0] += 1
        row[1] += f.contract_kw
        row[2] += sum((Decimal(k) for k in f.planned_kwh), Decimal(0))
    return [(ward, voltage, *row) for (ward, voltage), row in sorted(totals.items())]


def _lot_results(tender: Tender, bids: list[Bid]) -> list[dict]:
    """Per lot (or the whole tender): its ceiling, each active bid's evaluation and the award."""
    awards = {a.lot_code: a for a in db.session.scalars(select(Award).filter_by(tender_id=tender.id))}
    lots = [(row.code, row.name) for row in tender.lots] or [("", _("全体"))]
    return [{"code": code, "name": name, "ceiling": service.lot_ceiling(tender, code), "award": awards.get(code),
             "rows": [(b, b.evaluation(code)) for b in bids if b.status == "active" and b.evaluation(code)]}
            for code, name in lots]


@bp.post("/office/tenders/<int:tender_id>/lots")
@allow(Role.OFFICE)
def lots(tender_id):
    """Split a tender into lots: one per pattern, ward or voltage class, or a lot of chosen ones."""
    tender = _tender_or_404(tender_id)
    if CsrfForm().validate_on_submit():
        f, user = request.form, request_user()
        try:
            if f.get("action") == "split":
                made = service.split_lots(user, tender.id, f.get("mode", ""))
                flash(_("%(n)s ロットに分割しました", n=len(made)), "success")
            elif f.get("action") == "delete":
                service.delete_lot(user, tender.id, f.get("code", ""))
                flash(_("ロットを削除しました"), "success")
            else:
                ceiling = parse_decimal(f["ceiling"]) if f.get("ceiling", "").strip() else None
                service.add_lot(user, tender.id, f.get("code", ""), f.get("name", ""), f.getlist("patterns"),
                                [int(w) for w in f.getlist("wards") if w.isdigit()], f.getlist("voltages"), ceiling)
                flash(_("ロットを追加しました"), "success")
        except (service.TenderError, ValueError) as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return redirect(url_for("tenders.office_detail", tender_id=tender.id) + "#lots")


def _questions(tender):
    return db.session.scalars(select(TenderQuestion).filter_by(tender_id=tender.id)
                              .order_by(TenderQuestion.asked_at)).all()


@bp.post("/office/tenders/<int:tender_id>/questions/<int:question_id>/answer")
@allow(Role.OFFICE)
def answer_question(tender_id, question_id):
    tender = _tender_or_404(tender_id)
    if CsrfForm().validate_on_submit():
        try:
            question = db.session.get(TenderQuestion, question_id)
            if question is None or question.tender_id != tender.id:
                abort(404)
            service.answer(request_user(), question.id, request.form.get("answer", ""), utcnow())
            flash(_("回答を公開しました"), "success")
        except service.TenderError as exc:
            flash(str(exc), "error")
    return redirect(url_for("tenders.office_detail", tender_id=tender.id))


@bp.post("/office/tenders/<int:tender_id>/patterns")
@allow(Role.OFFICE)
def add_pattern(tender_id):
    tender = _tender_or_404(tender_id)
    if CsrfForm().validate_on_submit():
        options = [{"code": part.split("=", 1)[0].strip(), "name": part.split("=", 1)[-1].strip()}
                   for part in request.form.get("options", "").replace("、", ",").split(",") if part.strip()]
        try:
            service.add_pattern(request_user(), tender.id, request.form.get("code", "").strip(),
                                request.form.get("name", "").strip(), options, request.form.get("spec", ""))
            flash(_("仕様パターンを追加しました") if tender.kind == "pc" else _("品目を追加しました"), "success")
        except service.TenderError as exc:
            flash(str(exc), "error")
    return redirect(url_for("tenders.office_detail", tender_id=tender.id))


@bp.post("/office/tenders/<int:tender_id>/actions/<action>")
@allow(Role.OFFICE)
def office_action(tender_id, action):
    tender = _tender_or_404(tender_id)
    if CsrfForm().validate_on_submit():
        try:
            now = utcnow()
            if action == "open_bids":
                service.open_bids(request_user(), tender.id, now)
            elif action == "award":
                technical = {}
                for key, value in request.form.items():
                    if key.startswith("tech_") and key[5:].isdigit() and value.strip():
                        result = db.session.get(BidEvaluation, int(key[5:]))
                        if result is None or result.bid.tender_id != tender.id:
                            abort(404)
                        points = parse_decimal(value)
                        if points < 0:
                            raise ValueError(_("%(name)s: 技術点は 0 以上にしてください", name=result.bid.vendor.name))
                        technical[(result.lot_code, result.bid.vendor_id)] = points
                if not service.award(request_user(), tender.id, now, technical):
                    flash(_("有効な入札がないため、不調としました"), "success")
            elif action == "make_contracts":
                service.make_contracts(request_user(), tender.id, now)
            elif action in OFFICE_ACTIONS:
                service.move(request_user(), tender.id, action, now)
            else:
                abort(404)
            flash(_("操作を実行しました"), "success")
        except (service.TenderError, ValueError) as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return redirect(url_for("tenders.office_detail", tender_id=tender.id))


# --- wards -------------------------------------------------------------------------------

@bp.get("/ward/tenders")
@allow(*WARD)
def ward_list():
    user = request_user()
    joined = set(db.session.scalars(select(TenderWard.tender_id).filter_by(ward_id=user.ward_id)))
    tenders = db.session.scalars(select(Tender).where(
        (Tender.status == lifecycle.DEMAND) | Tender.id.in_(joined or {-1})).order_by(Tender.id.desc())).all()
    return render_template("tenders/ward_list.html", tenders=tenders, joined=joined)


@bp.route("/ward/tenders/<int:tender_id>", methods=["GET", "POST"])
@allow(*WARD)
def ward_detail(tender_id):
    tender = _tender_or_404(tender_id)
    user = request_user()
    joined = db.session.scalar(select(TenderWard).filter_by(tender_id=tender.id, ward_id=user.ward_id))
    if joined is None and tender.status != lifecycle.DEMAND:
        abort(404)
    form, error = CsrfForm(), None
    if request.method == "POST" and form.validate_on_submit():
        try:
            if request.form.get("action") == "join":
                service.join(user, tender.id, utcnow())
                flash(_("参加しました"), "success")
            elif request.form.get("action") == "facilities":
                from tenders.facility_upload import read_facilities

                upload = request.files.get("file")
                if upload is None or not upload.filename.lower().endswith(".xlsx"):
                    raise ValueError(_("施設一覧の xlsx ファイルを選んでください"))
                facilities, problems = read_facilities(upload.read())
                if problems:
                    raise ValueError("\n".join(problems))
                threshold = request.form.get("threshold", "").strip()
                count = service.enter_facility_demand(user, tender.id, facilities, utcnow(),
                                                      parse_decimal(threshold) if threshold else None)
                flash(_("%(n)s 施設を登録しました", n=count), "success")
            elif request.form.get("action") == "environment":
                _save_environment(user, tender)
                flash(_("環境配慮の評価基準を保存しました"), "success")
            elif request.form.get("action") == "change":
                service.change_contract_quantity(
                    user, request.form.get("contract_id", type=int), request.form.get("line", type=int),
                    parse_int(request.form.get("quantity", ""), _("数量"), 0), utcnow())
                flash(_("契約数量を変更しました"), "success")
            else:
                lines = []
                for pattern in tender.patterns:
                    text = request.form.get(f"qty_{pattern.code}", "").strip()
                    quantity = parse_int(text, pattern.name, 0) if text else 0
                    if quantity:
                        months = request.form.get(f"lease_{pattern.code}", "").strip()
                        when = request.form.get(f"date_{pattern.code}", "").strip()
                        lines.append({"pattern": pattern.code, "quantity": quantity,
                                      "options": request.form.getlist(f"opt_{pattern.code}"),
                                      "lease_months": parse_int(months, _("リース月数"), 1, 120) if months else None,
                                      "facility_id": request.form.get(f"site_{pattern.code}", type=int),
                                      "delivery_date": parse_date(when, _("納品希望日")) if when else None})
                service.enter_pc_demand(user, tender.id, lines, utcnow())
                flash(_("需要数量を登録しました"), "success")
            return redirect(url_for("tenders.ward_detail", tender_id=tender.id))
        except (service.TenderError, ValueError) as exc:
            db.session.rollback()
            error = str(exc)
    lines = db.session.scalars(select(PcDemandLine).filter_by(tender_id=tender.id, ward_id=user.ward_id)).all()
    contracts = db.session.scalars(select(Contract).filter_by(tender_id=tender.id, ward_id=user.ward_id)
                                   .order_by(Contract.lot_code)).all()
    facilities = db.session.scalars(select(FacilityDemandLine).filter_by(tender_id=tender.id, ward_id=user.ward_id)
                                    .order_by(FacilityDemandLine.id)).all()
    from procure.models import Facility

    sites = db.session.scalars(select(Facility).filter_by(ward_id=user.ward_id).order_by(Facility.id)).all()
    return render_template("tenders/ward_detail.html", tender=tender, joined=joined, lines=lines, form=form,
                           error=error, contracts=contracts, facilities=facilities, sites=sites)


@bp.get("/ward/tenders/facilities-template.xlsx")
@allow(*WARD)
def facilities_template():
    import io

    from tenders.facility_upload import template_workbook

    buffer = io.BytesIO()
    template_workbook().save(buffer)
    return Response(buffer.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="facilities_template.xlsx"'})


# --- vendors -----------------------------------------------------------------------------

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
    tender = _tender_or_404(tender_id)
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
                flash(_("入札を受け付けました。受付番号（ハッシュ）: %(r)s", r=receipt), "success")
        except (service.TenderError, ValueError) as exc:
            db.session.rollback()
            error = str(exc)
    mine = db.session.scalars(select(Bid).filter_by(tender_id=tender.id, vendor_id=user.vendor_id)
                              .order_by(Bid.submitted_at)).all()
    contracts = db.session.scalars(select(Contract).filter_by(tender_id=tender.id, vendor_id=user.vendor_id)).all()
    return render_template("tenders/vendor_detail.html", tender=tender, mine=mine, form=form, error=error,
                           contracts=contracts, questions=_questions(tender))


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


# --- public ------------------------------------------------------------------------------

@bp.get("/tenders/results")
@public
def results():
    awards = [(t, a, next((lot.name for lot in t.lots if lot.code == a.lot_code), ""),
               service.lot_ceiling(t, a.lot_code))
              for t, a in db.session.execute(select(Tender, Award).join(Award, Award.tender_id == Tender.id)
                                             .order_by(Award.awarded_at.desc(), Award.lot_code))]
    ended = db.session.scalars(select(Tender).where(Tender.status.in_((lifecycle.NO_VALID_BID,
                                                                       lifecycle.CANCELLED)))).all()
    return render_template("tenders/results.html", awards=awards, ended=ended)


@bp.get("/tenders/<int:tender_id>/ocds.json")
@public
def ocds_release(tender_id):
    tender = _tender_or_404(tender_id)
    if tender.status in (lifecycle.DRAFT, lifecycle.DEMAND):
        abort(404)
    now = utcnow()
    opened = tender.opening_at is not None and lifecycle.can_read_bids(tender.status, now, service._schedule(tender))
    bids = None
    if opened:
        bids = [{"vendor_id": b.vendor_id, "vendor_name": b.vendor.name, "lot": e.lot_code, "price": e.evaluated_price,
                 "valid": e.valid, "reasons": e.invalid_reasons}
                for b in db.session.scalars(select(Bid).filter_by(tender_id=tender.id, status="active").order_by(Bid.id))
                for e in b.evaluations]
    awards = db.session.scalars(select(Award).filter_by(tender_id=tender.id).order_by(Award.lot_code)).all()
    data = ocds.release(
        {"id": tender.id, "title": tender.title, "kind": tender.kind, "status": tender.status,
         "method": tender.evaluation_method, "ceiling": tender.ceiling_price if opened else None,
         "bidding_opens": tender.bidding_opens.isoformat() if tender.bidding_opens else None,
         "bidding_closes": tender.bidding_closes.isoformat() if tender.bidding_closes else None,
         "opening_at": tender.opening_at.isoformat() if tender.opening_at else None},
        [{"code": tw.ward.code, "name": tw.ward.name_ja} for tw in tender.wards], bids,
        [{"lot": a.lot_code, "vendor_id": a.vendor_id, "vendor_name": a.vendor.name, "price": a.price,
          "award_rate": a.award_rate, "date": a.awarded_at.isoformat()} for a in awards], now,
        [{"code": lot.code, "name": lot.name, "ceiling": lot.ceiling_price if opened else None} for lot in tender.lots])
    return jsonify({"uri": request.url, "publishedDate": now.isoformat(), "version": "1.1",
                    "publisher": {"name": "特別区共同調達組織"}, "releases": [data]})


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
            db.session.rollback()
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
            db.session.rollback()
            error = str(exc)
    facilities = db.session.scalars(select(Facility).filter_by(ward_id=contract.ward_id).order_by(Facility.id)).all()
    readings = [(r, sum((line.amount for line in service.monthly_bill_for(contract, r)), Decimal(0)))
                for r in db.session.scalars(select(ElectricityReading).filter_by(contract_id=contract.id).order_by(
                    ElectricityReading.year.desc(), ElectricityReading.month.desc(), ElectricityReading.facility_name))]
    return render_template("tenders/vendor_contract.html", contract=contract, form=form, error=error,
                           facilities=facilities, delivered=service.delivered_quantities(contract.id), readings=readings,
                           tender=db.session.get(Tender, contract.tender_id))


# --- a ward's environmental scoring table (electricity) ----------------------------------

def _save_environment(user, tender: Tender) -> None:
    """The ward's 環境配慮 form: every problem is reported (and marked on its field), nothing is saved."""
    from flask import g

    from tenders.environment_table import TableError, read_form

    try:
        threshold, table = read_form(request.form)
    except TableError as exc:
        g.environment_problems = {}
        for problem in exc.problems:
            g.environment_problems.setdefault(problem.field, []).append(problem.message)
        raise
    service.set_environment(user, tender.id, threshold, table, utcnow())


@bp.app_template_global()
def tender_environment_form(joined: TenderWard) -> dict:
    """What the ward's 環境配慮 form shows: what was just posted when it had problems, else the
    ward's saved threshold and table (or the default)."""
    from flask import g

    from tenders import environment_table as et

    if request.method == "POST" and request.form.get("action") == "environment":
        values = {k: v for k, v in request.form.items() if k.startswith("env-")}
    else:
        env = service._environment(joined)
        values = et.form_values(env.threshold, env.table)
    return {"criteria": et.CRITERIA, "bands": range(1, et.MAX_BANDS + 1), "field": et.field,
            "threshold_field": et.THRESHOLD_FIELD, "values": values, "problems": g.get("environment_problems", {})}


@bp.app_template_global()
def tender_environments(tender: Tender, ward_id: int | None = None) -> list[dict]:
    """Each participating ward's threshold and scoring table (or only ward_id's), read-only:
    bidders need to know them."""
    from tenders.environment_table import max_points

    return [{"ward": row.ward, "threshold": env.threshold, "table": env.table, "max_points": max_points(env.table),
             "own_table": row.environmental_table is not None}
            for row, env in service.ward_environments(tender) if ward_id is None or row.ward_id == ward_id]
