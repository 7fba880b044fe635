"""What a ward user's home lists as to do. Each domain package registers callables
(user) -> (label, count, url) | None in app.extensions["ward_todos"] (procure imports no domain)."""
from __future__ import annotations

from flask import current_app


def ward_todos(user) -> list[tuple[str, int, str]]:
    return [todo for todo in (make(user) for make in current_app.extensions.get("ward_todos", ())) if todo]
