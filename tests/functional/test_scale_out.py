"""Scale-out, as an operator runs it: two app servers (gunicorn) and two RQ workers on one
database and one Redis. A vendor uploads a catalog through one server and follows it on the
other; the office starts the month's invoice batch; the busy worker is SIGKILLed in the middle
of each job (the worker process alone, as the OOM killer would). Each job is taken over by the
other worker and ends once: every row imported once, every PDF made; no process is left behind
(the PDF processes of the killed worker die with it)."""
import os
import re
import signal
import sys
import time

import pytest
import requests

from tests.catalog_data import inspected_last_month
from tests.functional.test_durable_jobs import ROWS, big_catalog, items_of, job_row, wait_until
from tests.helpers import DEMO_PASSWORD, make_app
from tests.services import AppProcess, app_environment, free_port

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
LEASE = 2


class Server:
    def __init__(self, env, log):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = AppProcess([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                                   "--workers", "1", "--threads", "4", "--no-control-socket", "procure.wsgi:app"],
                                  env, log)
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.url}/login", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.process.process.poll() is not None or time.monotonic() > deadline:
                output = self.process.output()
                self.process.stop()  # a server that did not come up is not left running either
                raise AssertionError(f"app server did not start:\n{output}")
            time.sleep(0.2)


def signed_in(server: Server, email: str) -> requests.Session:
    session = requests.Session()
    token = CSRF.search(session.get(f"{server.url}/login", timeout=10).text).group(1)
    response = session.post(f"{server.url}/login", data={"email": email, "password": DEMO_PASSWORD,
                                                        "csrf_token": token}, timeout=10, allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    return session


def token_of(session: requests.Session, url: str) -> str:
    return CSRF.search(session.get(url, timeout=10).text).group(1)


@pytest.fixture
def cluster(database_url, redis_url, tmp_path):
    from redis import Redis

    Redis.from_url(redis_url).flushdb()
    env = app_environment(database_url, JOB_BACKEND="rq", REDIS_URL=redis_url, JOB_LEASE_SECONDS=LEASE,
                          UPLOAD_FOLDER=str(tmp_path / "uploads"))
    processes = []
    try:
        servers = []
        for n in range(2):
            server = Server(env, tmp_path / f"server{n}.log")
            processes.append(server.process)
            servers.append(server)
        workers = [AppProcess.flask("jobs", "rq-worker", env=env, log=tmp_path / f"worker{n}.log") for n in range(2)]
        processes += workers
        app = make_app(database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"), JOB_BACKEND="rq", REDIS_URL=redis_url,
                       JOB_LEASE_SECONDS=LEASE)
        yield app, servers, workers
    finally:
        for process in processes:
            process.stop()
        assert not any(p.group_alive() for p in processes), "a process was left behind"


def busy_worker(app, job_id, workers) -> AppProcess:
    pid = int(job_row(app, job_id).worker.split(":")[1])
    (worker,) = [w for w in workers if w.process.pid == pid]
    return worker


def kill_worker_alone(worker: AppProcess) -> None:
    """SIGKILL the worker process only (not its group): what it started must die by itself."""
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait(10)
    deadline = time.monotonic() + 10
    while worker.group_alive():
        assert time.monotonic() < deadline, "a child of the killed worker is left (an orphaned PDF process?)"
        time.sleep(0.1)


def test_two_servers_two_workers_survive_the_busy_worker_being_killed(cluster):
    from invoicing.models import Invoice
    from procure.extensions import db
    from sqlalchemy import select

    app, (first, second), workers = cluster
    # A catalog uploaded through the first server, followed on the second
    vendor = signed_in(first, "vendor@bunguya.example.jp")
    upload = vendor.post(f"{first.url}/vendor/catalog", files={"file": ("big.xlsx", big_catalog())},
                         data={"csrf_token": token_of(vendor, f"{first.url}/vendor/catalog")},
                         allow_redirects=False, timeout=60)
    assert upload.status_code == 302, upload.text[:500]
    version_id = int(upload.headers["Location"].rsplit("/", 1)[1])
    page = vendor.get(f"{second.url}/vendor/catalog/{version_id}", timeout=10).text
    job_id = int(re.search(r'data-job-url="/jobs/(\d+)"', page).group(1))
    wait_until(lambda: (job := job_row(app, job_id)).status == "running" and job.done > 0, 60, "import started")
    killed = busy_worker(app, job_id, workers)
    kill_worker_alone(killed)
    survivor = next(w for w in workers if w is not killed)
    wait_until(lambda: job_row(app, job_id).status == "done", 120, "import finished on the other worker", survivor)
    status = vendor.get(f"{second.url}/jobs/{job_id}", timeout=10).json()
    assert (status["status"], status["attempts"], status["result"]["items"]) == ("done", 2, ROWS)
    assert items_of(app, version_id) == ROWS

    # The month's invoice batch, its worker killed while it makes PDFs
    year, month, _ = inspected_last_month(app)
    office = signed_in(second, "office@example.jp")
    started = office.post(f"{second.url}/office/invoices/batch", allow_redirects=False, timeout=30, data={
        "csrf_token": token_of(office, f"{second.url}/office/invoices/batch"), "month": f"{year}-{month:02d}"})
    batch_id = int(started.headers["Location"].rsplit("=", 1)[1])
    replacement = AppProcess.flask("jobs", "rq-worker", env=survivor.env, log=survivor.log.parent / "worker2.log")
    try:
        wait_until(lambda: "PDF" in (job_row(app, batch_id).message or ""), 60, "batch making its PDFs", survivor)
        running = job_row(app, batch_id).status == "running"
        kill_worker_alone(busy_worker(app, batch_id, [survivor, replacement]))
        wait_until(lambda: job_row(app, batch_id).finished, 120, "batch finished", replacement)
        batch = job_row(app, batch_id)
        assert batch.status == "done", batch.error
        assert batch.attempts == (2 if running else 1)
        with app.app_context():
            invoices = db.session.scalars(select(Invoice).where(Invoice.year == year, Invoice.month == month)).all()
            assert invoices and all(i.pdf_file_id for i in invoices)
            assert batch.result["pdfs"] == len(invoices)
            db.session.remove()
    finally:
        replacement.stop()
    assert not replacement.group_alive()

