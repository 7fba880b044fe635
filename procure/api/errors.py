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
