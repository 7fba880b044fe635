"""JSON error bodies for the API: {"error": {"status": 4xx, "message": "..."}}."""
from flask import jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """Raised by API views for a 4xx answer with a specific message."""

    def __init__(self, status: int, message: str, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field, self.code = status, message, field, code


INVALID = "invalid"  # the request does not match the operation's documented schema


def error_response(status: int, message: str, field: str | None = None, code: str | None = None):
    body = {"status": status, "message": message}
    if field:
        body["field"] = field
    if code:
        body["code"] = code
    response = jsonify(error=body)
    response.status_code = status
    return response


def http_error_as_json(exc: HTTPException):
    return error_response(exc.code or 500, exc.description or exc.name)


def api_error_as_json(exc: ApiError):
    return error_response(exc.status, exc.message, exc.field, exc.code)


def validation_error(messages) -> ApiError:
    """webargs/marshmallow messages ({location: {field: [text] | nested}}) as one 422 naming the
    first field at fault, e.g. `lines[0].quantity: Must be greater than or equal to 1.`"""
    path, text = _first_leaf(messages)
    if path and path[0] in ("json", "query", "headers", "files", "form", "path", "view_args"):
        path = path[1:]
    field = ""
    for part in path:
        if isinstance(part, int) or str(part).isdigit():
            field += f"[{part}]"
        elif part != "_schema":
            field += f".{part}" if field else str(part)
    return ApiError(422, f"{field}: {text}" if field else text, field or None, INVALID)


def _first_leaf(node, path=()):
    if isinstance(node, dict):
        for key in sorted(node, key=str):
            return _first_leaf(node[key], path + (key,))
    if isinstance(node, list) and node:
        return _first_leaf(node[0], path)
    return path, str(node)
