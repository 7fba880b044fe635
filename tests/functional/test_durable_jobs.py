"""Background jobs survive their worker: a worker process SIGKILLed in the middle of a catalog
import, on either backend (embedded: the database as the queue; RQ on Redis), leaves the job to
be taken over by another worker once its lease runs out, and the import ends exactly once (no
doubled rows); a job whose workers keep dying fails with a reason and leaves nothing behind.
No process is left behind."""
import io
import time

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.helpers import make_app, unit_of_work
from tests.services import AppProcess, app_environment

VENDOR = "vendor@bunguya.example.jp"
ROWS = 6000
LEASE = 2


def big_catalog(rows: int = ROWS) -> bytes:
    from catalog.upload import COLUMNS

    book = Workbook(write_only=True)
    sheet = book.create_sheet("カタログ")
    sheet.append([c.header for c in COLUMNS])
    values = {"name": "コピー用紙", "spec": "A4", "category": "用紙", "unit": "冊", "tax_rate": "10%",
              "list_price": "500", "contract_price": "400", "green": "○", "min_order_qty": 1, "lead_time_days": 1,
              "valid_from": "2026-04-01"}
    for n in range(rows):
        sheet.append([f"K-{n:06d}" if c.key == "sku" else values.get(c.key) for c in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(params=["embedded", "rq"])
def backend(request, database_url, tmp_path):
    """(app submitting jobs but running none, environment for worker processes, worker command)."""
    extra = {"JOB_LEASE_SECONDS": LEASE, "JOB_BACKEND": request.param}
    if request.param == "rq":
        redis_url = request.getfixturevalue("redis_url")
        from redis import Redis

        Redis.from_url(redis_url).flushdb()
        extra["REDIS_URL"] = redis_url
    app = make_app(database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"), JOB_WORKERS=0, **extra)
    command = ["jobs", "work"] if request.param == "embedded" else ["jobs", "rq-worker"]
    yield app, app_environment(database_url, **extra), command
    app.extensions["jobs"].stop()
    from procure.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def start_import(app) -> tuple[int, int]:
    from catalog import versions
    from tests.catalog_data import user

    with unit_of_work(app):
        version = versions.start_upload(user(VENDOR), io.BytesIO(big_catalog()), "big.xlsx")
        return version.id, version.job_id


def job_row(app, job_id):
    from procure.extensions import db
    from procure.jobs import Job

    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        db.session.remove()
        return job


def wait_until(condition, timeout: float, what: str, worker=None):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout} s" + (f"\n{worker.output()}" if worker else ""))
        time.sleep(0.05)


def kill_mid_import(app, env, command, tmp_path, name: str, job_id: int) -> None:
    worker = AppProcess.flask(*command, env=env, log=tmp_path / f"{name}.log")
    try:
        wait_until(lambda: (job := job_row(app, job_id)).status == "running" and job.done > 0, 60,
                   "the worker started the import", worker)
        worker.kill()
    finally:
        worker.stop()
    assert not worker.group_alive(), "a process of the killed worker is left"


def items_of(app, version_id) -> int:
    from catalog.models import CatalogItem
    from procure.extensions import db

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(CatalogItem).filter_by(version_id=version_id))
        db.session.remove()
        return count


def test_a_killed_workers_import_is_taken_over_and_ends_once(backend, tmp_path):
    app, env, command = backend
    version_id, job_id = start_import(app)
    kill_mid_import(app, env, command, tmp_path, "first", job_id)
    assert job_row(app, job_id).status == "running"  # as the dead worker left it
    killed_at = time.monotonic()
    second = AppProcess.flask(*command, env=env, log=tmp_path / "second.log")
    try:
        wait_until(lambda: job_row(app, job_id).attempts == 2, LEASE * 5, "the job was taken over", second)
        taken_over = time.monotonic() - killed_at
        wait_until(lambda: job_row(app, job_id).finished, 120, "the import ended", second)
    finally:
        second.stop()
    assert not second.group_alive()
    job = job_row(app, job_id)
    assert (job.status, job.result["items"]) == ("done", ROWS), job.error
    assert items_of(app, version_id) == ROWS  # the first attempt's batches were not kept twice
    print(f"{command[1]}: dead worker's job taken over {taken_over:.1f} s after the kill (lease {LEASE} s)")


def test_a_job_whose_workers_keep_dying_fails_with_its_reason_and_leaves_nothing(backend, tmp_path):
    from catalog.models import CatalogVersion
    from procure.extensions import db

    app, env, command = backend
    version_id, job_id = start_import(app)
    kill_mid_import(app, env, command, tmp_path, "first", job_id)
    # a second worker takes it over (attempt 2 of 2) and is killed too
    second = AppProcess.flask(*command, env=env, log=tmp_path / "second.log")
    try:
        wait_until(lambda: (job := job_row(app, job_id)).attempts == 2 and job.done > 0, LEASE * 5 + 60,
                   "the second attempt started", second)
        second.kill()
    finally:
        second.stop()
    # whoever looks next (here: the app's own wait, as a polling page would) fails it
    app.extensions["jobs"].wait(job_id, LEASE * 5)
    job = job_row(app, job_id)
    assert job.status == "failed" and "中断されました" in job.error
    assert items_of(app, version_id) == 0
    with app.app_context():
        version = db.session.get(CatalogVersion, version_id)
        assert version.status == "uploaded" and "再実行できます" in version.errors[0]["message"]
        db.session.remove()


def test_the_owner_cancels_a_waiting_import_and_runs_it_again_from_the_page(database_url, tmp_path):
    from catalog.models import CatalogVersion
    from procure.extensions import db
    from tests.helpers import csrf_token, sign_in

    app = make_app(database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"), JOB_WORKERS=0)  # nothing runs it yet
    client = app.test_client()
    version_id, job_id = start_import(app)
    other = app.test_client()
    sign_in(other, "vendor@pc.example.jp")
    assert other.post(f"/jobs/{job_id}/cancel", data={"csrf_token": csrf_token(other, "/jobs")}).status_code == 404
    sign_in(client, VENDOR)
    page = f"/vendor/catalog/{version_id}"
    assert "取り込みを取り消す" in client.get(page).get_data(as_text=True)
    client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": csrf_token(client, page), "next": page})
    html = client.get(page).get_data(as_text=True)
    assert "取り消されました" in html and "再実行" in html
    assert job_row(app, job_id).status == "cancelled"
    client.post(f"/jobs/{job_id}/retry", data={"csrf_token": csrf_token(client, page), "next": page})
    app.extensions["jobs"].backend.workers = 2
    app.extensions["jobs"].wait(job_id, 120)
    with app.app_context():
        assert db.session.get(CatalogVersion, version_id).status == "pending_review"
        db.session.remove()
    assert "バックグラウンドの処理" in client.get("/jobs").get_data(as_text=True)
    app.extensions["jobs"].stop()


def test_stored_files_are_purged_after_their_retention(app, runner):
    from datetime import timedelta

    from procure import storage
    from procure.dbtypes import utcnow
    from procure.extensions import db

    with unit_of_work(app):
        old = storage.put(b"x", kind="test", file_name="old.xlsx", keep_days=1)
        kept = storage.put(b"y", kind="test", file_name="new.xlsx", keep_days=30)
        db.session.get(storage.StoredFile, old).keep_until = utcnow() - timedelta(seconds=1)
    assert "deleted 1" in runner.invoke(args=["jobs", "purge-files"]).output
    with unit_of_work(app):
        assert storage.get(kept) == b"y"
        with pytest.raises(FileNotFoundError):
            storage.get(old)
