"""Background jobs for their owners: progress polled by the page that started them, the list of
one's own jobs, cancelling a waiting or running one and running a failed one again. The office
sees and may cancel every job."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from procure import uow
from procure.extensions import db
from procure.forms import CsrfForm
from procure.jobs import Job, runner
from procure.models import ALL_ROLES, Role
from procure.permissions import allow, request_user
from procure.redirects import safe_next

bp = Blueprint("jobs", __name__)
KIND_NAMES = {"catalog_import": _l("カタログの取り込み"), "invoice_batch": _l("請求書の一括作成"),
              "card_reconciliation": _l("カード決済の照合"), "month_close": _l("月次締め（単価精算）")}


def _own_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    user = request_user()
    if job is None or (job.owner_id != user.id and user.role != Role.OFFICE):
        abort(404)
    return job


@bp.get("/jobs/<int:job_id>")
@allow(*ALL_ROLES)
def status(job_id):
    job = _own_job(job_id)
    if not job.finished:
        uow.rollback()
        from flask import current_app

        current_app.extensions["jobs"].kick()  # a page polling a dead worker's job brings it back
        job = _own_job(job_id)
    data = job.as_dict()
    data.pop("error")
    if job.status in ("failed", "cancelled"):
        # the reason kept for users (failure_message, never a traceback)
        data["message"] = job.error or _("処理に失敗しました。管理者に連絡してください")
    data["kind_name"] = str(KIND_NAMES.get(job.kind, job.kind))
    return jsonify(data)


@bp.get("/jobs")
@allow(*ALL_ROLES)
def mine():
    user = request_user()
    stmt = select(Job).order_by(Job.id.desc()).limit(100)
    if user.role != Role.OFFICE:
        stmt = stmt.where(Job.owner_id == user.id)
    return render_template("jobs/list.html", jobs=db.session.scalars(stmt).all(), kinds=KIND_NAMES, form=CsrfForm())


@bp.post("/jobs/<int:job_id>/cancel")
@allow(*ALL_ROLES)
def cancel(job_id):
    job = _own_job(job_id)
    if CsrfForm().validate_on_submit():
        uow.rollback()
        if runner.cancel(request_user(), job.id):
            flash(_("取り消しました。実行中の処理は次の区切りで止まります"), "success")
        else:
            flash(_("このジョブはもう取り消せません（終了しています）"), "error")
    return redirect(safe_next(request.form.get("next"), url_for("jobs.mine")))


@bp.post("/jobs/<int:job_id>/retry")
@allow(*ALL_ROLES)
def retry(job_id):
    job = _own_job(job_id)
    if CsrfForm().validate_on_submit():
        uow.rollback()
        if runner.retry(request_user(), job.id):
            from flask import current_app

            current_app.extensions["jobs"].enqueue(job.id)
            flash(_("もう一度実行します"), "success")
        else:
            flash(_("失敗したか取り消したジョブだけ再実行できます"), "error")
    return redirect(safe_next(request.form.get("next"), url_for("jobs.mine")))
