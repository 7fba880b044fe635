"""The API contract's building blocks (marshmallow). Each operation declares its request and
response schemas once, with `bp.arguments` / `bp.response`; flask-smorest validates requests with
them and apispec writes /api/v1/openapi.json from the same declarations.

Why flask-smorest: it is a Flask blueprint (our routing, access rules and unit of work stay as
they are), validation and documentation come from one marshmallow schema, and marshmallow also
serialises the responses, so what we send is what the document says."""
from __future__ import annotations

import math
import re

import marshmallow as ma
from marshmallow import fields, validate

from procure.routing import MAX_ID  # the largest id (INTEGER columns)

MAX_INT = 2 ** 63 - 1  # the largest number the database holds (BIGINT)


class Strict(ma.Schema):
    """Request bodies: an unknown property is refused (the document says additionalProperties: false)."""

    class Meta:
        unknown = ma.RAISE


class Lenient(ma.Schema):
    """Query strings and headers: other parameters are ignored."""

    class Meta:
        unknown = ma.EXCLUDE


def Int64(low: int = -MAX_INT - 1, high: int = MAX_INT, **kwargs) -> fields.Integer:
    """A JSON integer (not a string, not a boolean) the database can hold."""
    return fields.Integer(strict=True, validate=validate.Range(min=low, max=high), **kwargs)


def QueryInt(low: int = 0, high: int = MAX_INT, **kwargs) -> fields.Integer:
    """An integer query parameter (written as text) the database can hold."""
    return fields.Integer(validate=validate.Range(min=low, max=high), **kwargs)


def Id(**kwargs) -> fields.Integer:
    """A row's id: the database's ids are INTEGER columns."""
    return Int64(1, MAX_ID, **kwargs)


class Contains(validate.Regexp):
    """The string contains a match anywhere, as a JSON Schema `pattern` means (not only at the start)."""

    def __call__(self, value):
        if self.regex.search(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


# Written as a class of explicit characters: `\s` means different things to Python and to the
# ECMA regexes of JSON Schema, and the document must mean what the code checks.
NOT_BLANK = r"[^\t\n\x0b\x0c\r \u3000]"


def Text(max_length: int, required: bool = False, **kwargs) -> fields.String:
    """A string with at least one non-blank character when given."""
    return fields.String(required=required, validate=[validate.Length(min=1, max=max_length),
                                                      Contains(NOT_BLANK, error="Must not be blank.")],
                         **kwargs)


DECIMAL_PATTERN = r"[-+]?[0-9]+(\.[0-9]+)?"
UNSIGNED_DECIMAL_PATTERN = r"\+?[0-9]+(\.[0-9]+)?"


class DecimalText(fields.Field):
    """A decimal number written as a string ("3.5", preferred: exact) or a JSON number. Loaded as the
    caller wrote it, for parsers that name the field in their own errors (pricing contract).
    `signed=False`: zero or more."""

    default_error_messages = {"invalid": "Not a decimal number (a string such as \"3.5\", or a number).",
                              "negative": "Must be zero or more."}

    def __init__(self, *, signed: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.signed = signed
        self.pattern = DECIMAL_PATTERN if signed else UNSIGNED_DECIMAL_PATTERN

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and re.fullmatch(self.pattern, value):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            if not self.signed and value < 0:
                raise self.make_error("negative")
            return value
        raise self.make_error("invalid")

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


class DecimalString(fields.Decimal):
    """An exact amount, rate or quantity in a response, written as a string ("680.0000")."""

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **kwargs)


def decimal_text_to_openapi(self, field, **kwargs) -> dict:
    """apispec attribute function: how DecimalText and DecimalString are documented."""
    if isinstance(field, DecimalString):
        return {"type": "string", "format": "decimal", "pattern": f"^{DECIMAL_PATTERN}$"}
    if not isinstance(field, DecimalText):
        return {}
    number = {"type": "number"} if field.signed else {"type": "number", "minimum": 0}
    return {"oneOf": [{"type": "string", "pattern": f"^{field.pattern}$"}, number],
            "description": "decimal (string preferred)"}


class ErrorDetail(ma.Schema):
    status = fields.Integer(required=True)
    message = fields.String(required=True)
    field = fields.String(metadata={"description": "the request field or parameter at fault"})
    code = fields.String(validate=validate.OneOf(["invalid"]), metadata={
        "description": "invalid: the request does not match this document's schema for the operation. "
                       "Absent when a valid request is refused by a rule the schema cannot state "
                       "(an id that is not yours, a budget too small, a file that is not a catalog)."})


class ErrorSchema(ma.Schema):
    """Every 4xx/5xx answer of the API: {"error": {"status", "message", "field"?}}."""

    error = fields.Nested(ErrorDetail, required=True)
