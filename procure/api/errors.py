"""JSON error bodies for the API: {"error": {"status": 4xx, "message": "..."}}."""
from flask import jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """Raised by API views for a 4xx answer with a specific message."""

    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def error_response(status: int, message: str, field: str | None = None):
    body = {"status": status, "message": message}
    if field:
        body["field"] = field
    response = jsonify(error=body)
    response.status_code = status
    return response


def http_error_as_json(exc: HTTPException):
    return error_response(exc.code or 500, exc.description or exc.name)


def api_error_as_json(exc: ApiError):
    return error_response(exc.status, exc.message, exc.field)


def query_int(name: str, default: int | None = None, low: int = 0, high: int = 2 ** 63 - 1) -> int | None:
    """An integer query parameter within what the database holds: 422 naming it otherwise."""
    from flask import request

    text = request.args.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ApiError(422, f"{name}: an integer from {low} to {high}", name) from None
    if not low <= value <= high:
        raise ApiError(422, f"{name}: an integer from {low} to {high}", name)
    return value


def body_int(data: dict, name: str, low: int = 1, high: int = 2 ** 63 - 1) -> int:
    """A required integer field of a JSON body, within what the database holds."""
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ApiError(422, f"{name}: required, an integer from {low} to {high}", name)
    return value
