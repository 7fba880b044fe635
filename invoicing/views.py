"""Invoicing pages for wards, vendors and the office (thin: parse, call, render)."""
from __future__ import annotations


from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from invoicing import documents, matching, payments, service
from invoicing.forms import InvoiceUploadForm, MonthForm
from invoicing.models import DISCREPANCY, PAYABLE, CardFinding, Invoice, Payment, ZenginBatch
from procure.forms import CsrfForm
from procure import jobs
from procure.extensions import db
from procure.formatting import today_in_tokyo
from procure.jpcalendar import parse_month
from procure.models import Role, Vendor, Ward
from procure.permissions import WARD, allow, get_owned_or_404, request_user, scoped
from procure.textnorm import parse_date, parse_decimal

bp = Blueprint("invoicing", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAYER = Role.WARD_INSPECTOR  # 区検収・会計担当


def _invoices(user, year=None, month=None, status=None):
    stmt = scoped(select(Invoice), Invoice, user).options(
        selectinload(Invoice.vendor), selectinload(Invoice.ward), selectinload(Invoice.lines))
    if year:
        stmt = stmt.where(Invoice.year == year, Invoice.month == month)
    if status:
        stmt = stmt.where(Invoice.status == status)
    return db.session.scalars(stmt.order_by(Invoice.year.desc(), Invoice.month.desc(), Invoice.number)).all()


@bp.get("/invoices")
@allow(*WARD, Role.VENDOR, Role.OFFICE)
def invoice_list():
    user = request_user()
    year, month = parse_month(request.args.get("month"), today_in_tokyo()) if request.args.get("month") else (None, None)
    rows = _invoices(user, year, month, request.args.get("status") or None)
    return render_template("invoicing/list.html", invoices=rows, month=request.args.get("month", ""),
                           status=request.args.get("status", ""), generate_form=MonthForm(),
                           upload_form=InvoiceUploadForm())


@bp.get("/invoices/<int:invoice_id>")
@allow(*WARD, Role.VENDOR, Role.OFFICE)
def invoice_detail(invoice_id):
    invoice = get_owned_or_404(Invoice, invoice_id)
    payment = db.session.scalar(select(Payment).filter_by(invoice_id=invoice.id))
    user = request_user()
    return render_template("invoicing/detail.html", invoice=invoice, payment=payment, form=CsrfForm(),
                           can_resolve=user.role == PAYER and invoice.status == DISCREPANCY,
                           can_pay=user.role == PAYER and invoice.status == PAYABLE,
                           stripe_ready=bool(current_app.config.get("STRIPE_SECRET_KEY")),
                           may_accept=matching.may_accept)


@bp.get("/invoices/<int:invoice_id>.pdf")
@allow(*WARD, Role.VENDOR, Role.OFFICE)
def invoice_pdf(invoice_id):
    invoice = get_owned_or_404(Invoice, invoice_id)
    return Response(documents.stored_or_rendered_pdf(invoice), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="invoice_{invoice.number}.pdf"'})


@bp.get("/invoices/<int:invoice_id>.xml")
@allow(*WARD, Role.VENDOR, Role.OFFICE)
def invoice_ubl(invoice_id):
    from invoicing.ubl_export import invoice_to_ubl

    invoice = get_owned_or_404(Invoice, invoice_id)
    return Response(invoice_to_ubl(invoice), mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="invoice_{invoice.number}.xml"'})


def _export_scope():
    user = request_user()
    year, month = parse_month(request.args.get("month"), today_in_tokyo())
    invoices = _invoices(user, year, month)
    owner = user.ward.name_ja if user.ward else (user.vendor.name if user.vendor else "共同調達組織")
    return invoices, f"{owner} 請求一覧 {year}年{month}月", f"invoices_{year}{month:02d}"


@bp.get("/invoices.xlsx")
@allow(*WARD, Role.VENDOR, Role.OFFICE)
def invoices_xlsx():
    invoices, title, name = _export_scope()
    return Response(documents.month_xlsx(invoices, title), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@bp.get("/invoices.csv")
@allow(*WARD, Role.VENDOR, Role.OFFICE)
def invoices_csv():
    invoices, _title, name = _export_scope()
    # CP932 unless UTF-8 is asked for: what Excel on a ward's PC opens without a word
    encoding = "utf-8" if request.args.get("encoding") == "utf-8" else "cp932"
    return Response(documents.month_csv(invoices, encoding), mimetype=f"text/csv; charset={encoding}",
                    headers={"Content-Disposition": f'attachment; filename="{name}_{encoding}.csv"'})


@bp.post("/invoices/<int:invoice_id>/lines/<int:line_id>/resolution")
@allow(PAYER)
def resolve(invoice_id, line_id):
    invoice = get_owned_or_404(Invoice, invoice_id)
    if CsrfForm().validate_on_submit():
        try:
            credit = request.form.get("credit_amount", "").strip()
            service.resolve_line(request_user(), line_id, request.form.get("resolution", ""),
                                 request.form.get("note"), parse_decimal(credit) if credit else None)
            flash(_("不一致を処理しました"), "success")
        except (service.InvoicingError, ValueError) as exc:
            flash(str(exc), "error")
    return redirect(url_for("invoicing.invoice_detail", invoice_id=invoice.id))


def stripe_gateway():
    from invoicing.stripe_gateway import StripeGateway

    if not current_app.config.get("STRIPE_SECRET_KEY"):
        raise payments.PaymentError(_("カード決済（Stripe）は設定されていません"), "stripe")
    return StripeGateway.from_config(current_app.config)


@bp.post("/invoices/<int:invoice_id>/stripe")
@allow(PAYER)
def pay_stripe(invoice_id):
    invoice = get_owned_or_404(Invoice, invoice_id)
    if CsrfForm().validate_on_submit():
        # One click never charges: the payer ticks the confirmation for the amount it saw, and
        # an amount changed since (a credit note) asks again.
        if request.form.get("confirm") != "yes":
            flash(_("カードで支払う前に、金額を確認して確認欄にチェックしてください"), "error")
            return redirect(url_for("invoicing.invoice_detail", invoice_id=invoice.id))
        try:
            payment = payments.pay_by_stripe(request_user(), invoice.id, stripe_gateway(),
                                             confirmed_amount=request.form.get("amount", ""))
            flash(_("支払いました（%(amount)s 円）", amount=f"{payment.amount:,.0f}") if payment.status == "succeeded"
                  else _("支払処理中です"), "success")
        except payments.PaymentError as exc:
            flash(str(exc), "error")
    return redirect(url_for("invoicing.invoice_detail", invoice_id=invoice.id))


@bp.route("/ward/payments", methods=["GET", "POST"])
@allow(*WARD)
def ward_payments():
    user = request_user()
    form, error = CsrfForm(), None
    if request.method == "POST" and user.role == PAYER and form.validate_on_submit():
        try:
            ids = [int(v) for v in request.form.getlist("invoice_id") if v.isdigit()]
            batch = payments.zengin_batch(user, ids, parse_date(request.form.get("transfer_date", ""), _("振込指定日")),
                                          today_in_tokyo(), current_app.config["ZENGIN_LEAD_BUSINESS_DAYS"])
            flash(_("振込ファイルを作成しました（%(n)s 件）", n=batch.count), "success")
            return redirect(url_for("invoicing.ward_payments"))
        except (payments.PaymentError, ValueError) as exc:
            error = str(exc)
    payable = _invoices(user, status=PAYABLE)
    batches = db.session.scalars(scoped(select(ZenginBatch), ZenginBatch, user)
                                 .order_by(ZenginBatch.id.desc())).all()
    return render_template("invoicing/payments.html", payable=payable, batches=batches, form=form, error=error,
                           can_pay=user.role == PAYER, default_date=payments.earliest_transfer_date(
                               today_in_tokyo(), current_app.config["ZENGIN_LEAD_BUSINESS_DAYS"]).isoformat())


@bp.get("/ward/payments/zengin/<int:batch_id>.txt")
@allow(*WARD)
def zengin_file(batch_id):
    batch = get_owned_or_404(ZenginBatch, batch_id)
    content = batch.content
    if request.args.get("form") == "transmission":  # 伝送用: the 120-byte records with no line breaks
        content = content.replace(b"\r\n", b"")
    return Response(content, mimetype="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="zengin_{batch.transfer_date:%Y%m%d}_{batch.id}.txt"'})


@bp.post("/ward/payments/zengin/<int:batch_id>/send")
@allow(PAYER)
def zengin_send(batch_id):
    batch = get_owned_or_404(ZenginBatch, batch_id)
    if CsrfForm().validate_on_submit():
        try:
            payments.send_zengin_batch(request_user(), batch.id)
            flash(_("銀行への送信を記録しました"), "success")
        except payments.PaymentError as exc:
            flash(str(exc), "error")
    return redirect(url_for("invoicing.ward_payments"))


@bp.post("/ward/payments/zengin/<int:batch_id>/confirm")
@allow(PAYER)
def zengin_confirm(batch_id):
    batch = get_owned_or_404(ZenginBatch, batch_id)
    if CsrfForm().validate_on_submit():
        try:
            payments.confirm_zengin_batch(request_user(), batch.id, today_in_tokyo())
            flash(_("振込完了を記録しました"), "success")
        except payments.PaymentError as exc:
            flash(str(exc), "error")
    return redirect(url_for("invoicing.ward_payments"))


@bp.post("/vendor/invoices/generate")
@allow(Role.VENDOR)
def vendor_generate():
    form = MonthForm()
    if form.validate_on_submit():
        year, month = (int(p) for p in form.month.data.split("-"))
        user, made = request_user(), []
        try:
            for ward in db.session.scalars(select(Ward).order_by(Ward.code)):
                made += service.generate_invoice(user.vendor, ward, year, month, user, today_in_tokyo())
            flash(_("%(n)s 件の請求書を作成しました", n=len(made)) if made
                  else _("請求できる検収済みの明細はありません"), "success")
        except service.InvoicingError as exc:
            flash(str(exc), "error")
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "error")
    return redirect(url_for("invoicing.invoice_list"))


@bp.get("/vendor/invoices/template.xlsx")
@allow(Role.VENDOR)
def invoice_template():
    import io

    from invoicing.xlsx_invoice import template_workbook

    buffer = io.BytesIO()
    template_workbook().save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="invoice_template.xlsx"'})


@bp.post("/vendor/invoices/upload")
@allow(Role.VENDOR)
def vendor_upload():
    from invoicing.upload import InvoiceUploadError, upload_ubl, upload_xlsx

    form = InvoiceUploadForm()
    if form.validate_on_submit():
        try:
            data = form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"])
            is_xlsx = form.file.data.filename.lower().endswith(".xlsx")
            invoice = (upload_xlsx if is_xlsx else upload_ubl)(request_user(), data)
            flash(_("請求書 %(number)s を受け付けました", number=invoice.number), "success")
            return redirect(url_for("invoicing.invoice_detail", invoice_id=invoice.id))
        except InvoiceUploadError as exc:
            return render_template("invoicing/upload_errors.html", errors=exc.errors), 422
    for messages in form.errors.values():
        for message in messages:
            flash(str(message), "error")
    return redirect(url_for("invoicing.invoice_list"))


@bp.route("/office/invoices/batch", methods=["GET", "POST"])
@allow(Role.OFFICE)
def office_batch():
    form = MonthForm()
    if form.validate_on_submit():
        year, month = (int(p) for p in form.month.data.split("-"))
        job = jobs.submit("invoice_batch", "invoicing.batch:monthly_batch", owner_id=request_user().id,
                          year=year, month=month, today=today_in_tokyo().isoformat())
        return redirect(url_for("invoicing.office_batch", job=job.id))
    job_id = request.args.get("job", type=int)
    job = db.session.get(jobs.Job, job_id) if job_id else None
    return render_template("invoicing/batch.html", form=form, job=job)


@bp.route("/ward/billing", methods=["GET", "POST"])
@allow(*WARD)
def ward_billing():
    """The ward's matching tolerance and whether it wants one invoice per facility."""
    from invoicing.models import WardBilling
    from procure.formatting import DATE_STYLES
    from procure.models import document_date_style, set_document_date_style

    user = request_user()
    billing = db.session.scalar(select(WardBilling).filter_by(ward_id=user.ward_id))
    form, error = CsrfForm(), None
    if request.method == "POST" and user.role == PAYER and form.validate_on_submit():
        try:
            values = {}
            for name, label in (("tolerance_yen", _("許容差額（円）")), ("tolerance_percent", _("許容率（%）"))):
                text = request.form.get(name, "").strip()
                value = parse_decimal(text) if text else None
                if value is not None and value < 0:
                    raise ValueError(_("%(label)s は 0 以上にしてください", label=label))
                values[name] = value
            document_dates = request.form.get("document_dates", "wareki")
            if document_dates not in DATE_STYLES:
                raise ValueError(_("書類の日付の書き方を選んでください"))
            if billing is None:
                raise ValueError(_("区の支払設定がありません。共同調達組織に登録を依頼してください"))
            billing.tolerance_yen, billing.tolerance_percent = values["tolerance_yen"], values["tolerance_percent"]
            billing.invoice_per_facility = request.form.get("invoice_per_facility") == "1"
            set_document_date_style(user.ward_id, document_dates)
            flash(_("請求・照合の設定を保存しました"), "success")
            return redirect(url_for("invoicing.ward_billing"))
        except ValueError as exc:
            error = str(exc)
    return render_template("invoicing/billing.html", billing=billing, form=form, error=error,
                           can_edit=user.role == PAYER, document_dates=document_date_style(user.ward_id))


@bp.route("/office/payments/reconciliation", methods=["GET", "POST"])
@allow(Role.OFFICE)
def office_reconciliation():
    """カード決済の照合: start a reconciliation with Stripe (a job) and see the open findings."""
    form = CsrfForm()
    if request.method == "POST" and form.validate_on_submit():
        job = jobs.submit("card_reconciliation", "invoicing.reconciliation:reconciliation_job",
                          owner_id=request_user().id)
        return redirect(url_for("invoicing.office_reconciliation", job=job.id))
    job_id = request.args.get("job", type=int)
    job = db.session.get(jobs.Job, job_id) if job_id else None
    if job is not None and job.kind != "card_reconciliation":
        job = None
    findings = db.session.scalars(select(CardFinding).where(CardFinding.resolved_at.is_(None))
                                  .options(selectinload(CardFinding.invoice).selectinload(Invoice.ward))
                                  .order_by(CardFinding.found_at.desc(), CardFinding.id)).all()
    return render_template("invoicing/reconciliation.html", form=form, job=job, findings=findings)
