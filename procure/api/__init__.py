"""JSON API under /api/v1: bearer tokens, JSON errors and the OpenAPI document.

Operations are declared on `bp` (a flask-smorest blueprint) with their request and response
schemas; `init_app` registers it on the app and writes the document from those declarations."""
from flask import Flask
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser

from procure.api.errors import INVALID, ApiError, validation_error
from procure.api.schemas import ErrorSchema, decimal_text_to_openapi


class _Parser(FlaskParser):
    """A request that does not match its schema gets the project's 422 naming the field."""

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        raise validation_error(error.messages)

    def load_json(self, req, schema):
        data = req.get_json(silent=True)
        if not isinstance(data, dict):
            raise ApiError(400, "Request body must be a JSON object (Content-Type: application/json)",
                           code=INVALID)
        return data


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()


class ProcureApi(Api):
    ERROR_SCHEMA = ErrorSchema
    # Documented per operation from its access rule (procure.api.openapi), not as a catch-all.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        """The app's own handlers answer API errors in the project's JSON shape (procure.app)."""


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1")

ERROR_TEXT = {400: "Bad request", 401: "Not signed in (no or invalid bearer token)", 403: "Role not allowed",
              404: "Not found", 409: "Conflict: someone else changed it first", 413: "Upload too large",
              422: "Invalid input", 429: "Too many attempts"}


def errors(*codes: int):
    """Document answers an operation gives besides those every operation of its kind gives
    (401/403 from its access rule, 404 for a path id, 400/422 for a body: procure.api.openapi)."""

    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, schema=ErrorSchema, description=ERROR_TEXT[code])(view)
        return view

    return decorate

from procure.api import core  # noqa: E402,F401  (registers the routes)


def init_app(app: Flask) -> None:
    """After every module has added its operations to `bp`."""
    from procure.routing import MAX_ID, BoundedIntegerConverter

    api = ProcureApi(spec_kwargs={"title": "特別区共同調達 API", "version": "1.0.0", "openapi_version": "3.0.3"})
    api.init_app(app)
    api.ma_plugin.converter.add_attribute_function(decimal_text_to_openapi)
    api.register_converter(BoundedIntegerConverter,
                           lambda converter: {"type": "integer", "format": "int32", "minimum": 0, "maximum": MAX_ID})
    api.register_blueprint(bp)
    app.extensions["procure_api"] = api


__all__ = ["ApiError", "bp", "init_app"]
