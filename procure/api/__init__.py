"""JSON API under /api/v1: bearer tokens, JSON errors and the OpenAPI document."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from procure.api import core  # noqa: E402,F401  (registers the routes)
