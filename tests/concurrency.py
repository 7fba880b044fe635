"""Many users at once through the real HTTP stack: `race` sends the same request from N test
clients (each its own thread, its own app context and database session) released together by
a barrier, and answers each one's status and page."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from tests.helpers import csrf_token, sign_in

# What a loser may be told: the sequential refusal (422, 404, 400 or a redirect with its error
# message) or "someone was first" (409). Never 500, never 503 when the database is healthy.
LOSER_STATUSES = {302, 400, 404, 409, 422}


@dataclass
class Answer:
    status: int
    body: str


def signed_in_clients(app, email: str, count: int, page: str):
    """`count` clients sharing one signed-in session (one user in several tabs), and its CSRF
    token read from `page`."""
    first = app.test_client()
    response = sign_in(first, email)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    token = csrf_token(first, page)
    cookie = first.get_cookie("session")
    clients = [first]
    for _ in range(count - 1):
        other = app.test_client()
        other.set_cookie("session", cookie.value, domain=cookie.domain, path=cookie.path)
        clients.append(other)
    return clients, token


def race(app, email: str, count: int, path: str, data: dict | None = None, page: str = "/",
         files=None, json=None, headers=None) -> list[Answer]:
    """POST `path` from `count` clients of `email` at the same moment."""
    clients, token = signed_in_clients(app, email, count, page)
    start, answers, errors = threading.Barrier(count, timeout=30), [], []

    def one(client):
        try:
            form = dict(data or {})
            if json is None:
                form["csrf_token"] = token
            if files:
                form.update(files())
            start.wait()
            if json is not None:
                response = client.post(path, json=json, headers=headers)
            else:
                response = client.post(path, data=form, headers=headers,
                                       content_type="multipart/form-data" if files else None)
            answers.append(Answer(response.status_code, response.get_data(as_text=True)))
        except Exception as exc:  # noqa: BLE001  (reported below, with the others)
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads), "a racing request did not finish within 60 s"
    assert not errors, errors
    return answers


def statuses(answers: list[Answer]) -> list[int]:
    return sorted(a.status for a in answers)


def assert_no_server_errors(answers: list[Answer]) -> None:
    bad = [(a.status, a.body[a.body.find("<main"):][:300]) for a in answers if a.status not in LOSER_STATUSES | {200, 201}]
    assert not bad, bad
