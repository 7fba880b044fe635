"""Helpers for functional and browser tests."""
import re
from contextlib import contextmanager

DEMO_PASSWORD = "demo-password"


def make_app(database_url: str, **overrides):
    from procure import create_app

    config = {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
              "SECRET_KEY": "test-secret", "SERVER_NAME": None, "TENDER_SEAL_KEY": "test-tender-seal-key"}
    if database_url.startswith("postgresql"):
        # A test that waits on a lock, or leaves a transaction open, fails instead of hanging.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "connect_args": {
            "options": "-c lock_timeout=20000 -c idle_in_transaction_session_timeout=120000"}}
    config.update(overrides)
    return create_app(config)



@contextmanager
def unit_of_work(app, each_use_case: bool = True):
    """Test code acting as users would: an app context in which each service call (use case)
    commits on success and rolls back alone on failure, as one request each would; the rest is
    committed at the end (rolled back when the block raises). `each_use_case=False`: the whole
    block is one request."""
    from procure import uow

    from procure.extensions import db

    with app.app_context():
        # Objects read in the block stay readable after it, as they were when services committed.
        db.session().expire_on_commit = False
        with uow.unit(each_use_case):
            yield


CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, path="/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_INPUT.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, email, password=DEMO_PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def api_token(client, email, password=DEMO_PASSWORD) -> str:
    response = client.post("/api/v1/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]




def run_concurrently(app, count: int, work) -> list:
    """Run `work()` in `count` threads at once, each in its own app context; their results (or
    the exceptions they raised) in completion order."""
    import threading

    from procure.extensions import db

    results, start = [], threading.Barrier(count)

    def one():
        with unit_of_work(app):
            start.wait()
            try:
                results.append(work())
            except Exception as exc:  # the caller decides which failures are expected
                results.append(exc)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


STRIPE_WEBHOOK_SECRET = "whsec_test_procure"


@contextmanager
def stripe_test_app(database_url: str, uploads, base_url: str, **overrides):
    """An app paying by card through a Stripe at `base_url` (a localstripe, a frozen stand-in);
    its engine disposed afterwards."""
    app = make_app(database_url, UPLOAD_FOLDER=str(uploads), STRIPE_SECRET_KEY="sk_test_procure",
                   STRIPE_API_BASE=base_url, STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET, **overrides)
    try:
        yield app
    finally:
        from procure.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()


WITNESS = "witness@example.jp"  # the demo's second office user: 開札立会人


def open_witnessed(officer, tender_id: int, now):
    """開札 as the office does it: the officer asks, the demo witness confirms and opens."""
    from tenders import service
    from tests.catalog_data import user

    service.request_opening(officer, tender_id, now)
    return service.open_bids(user(WITNESS), tender_id, now)


def pdf_text(data: bytes) -> str:
    """The text of a PDF (poppler's pdftotext) with all white space removed: titles are
    letter-spaced and table cells wrap, so the checks look for runs of characters."""
    import subprocess

    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
    return "".join(text.decode("utf-8").split())
