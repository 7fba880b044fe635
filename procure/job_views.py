"""Progress of background jobs, polled by the page that started them."""
from flask import Blueprint, abort, jsonify

from procure.extensions import db
from procure.jobs import Job
from procure.models import ALL_ROLES, Role
from procure.permissions import allow, request_user

bp = Blueprint("jobs", __name__)


@bp.get("/jobs/<int:job_id>")
@allow(*ALL_ROLES)
def status(job_id):
    job = db.session.get(Job, job_id)
    user = request_user()
    if job is None or (job.owner_id != user.id and user.role != Role.OFFICE):
        abort(404)
    data = job.as_dict()
    data.pop("error")  # tracebacks stay in the server log and the database
    if job.status == "failed":
        data["message"] = "処理に失敗しました。管理者に連絡してください"
    return jsonify(data)
