"""Core API: tokens, the caller, the wards, and the OpenAPI document."""
from flask import current_app, jsonify, request
from sqlalchemy import select

from procure.api import bp
from procure.api.errors import ApiError
from procure.api.openapi import document, error_responses, openapi_document
from procure.auth.models import ApiToken
from procure.auth.service import Throttled, check_credentials
from procure.extensions import db
from procure.models import Ward
from procure.permissions import ANY_SIGNED_IN, allow, public, request_user


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "Request body must be a JSON object (Content-Type: application/json)")
    return data


def required_string(data: dict, field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, f"{field}: required, a non-empty string", field)
    return value


@bp.post("/tokens")
@public
def create_token():
    data = json_body()
    email, password = required_string(data, "email"), required_string(data, "password")
    try:
        user = check_credentials(email, password, request.remote_addr or "", channel="api")
    except Throttled:
        raise ApiError(429, "Too many failed sign-in attempts; try again later") from None
    if user is None:
        raise ApiError(401, "Wrong e-mail address or password")
    row, token = ApiToken.issue(user, current_app.config["API_TOKEN_HOURS"])
    db.session.add(row)
    return jsonify(token=token, token_type="Bearer",
                   expires_at=row.expires_at.isoformat()), 201


@bp.delete("/tokens/current")
@allow(*ANY_SIGNED_IN)
def revoke_token():
    from procure.api.tokens import current_token_row

    row = current_token_row(request.headers.get("Authorization", ""))
    row.revoked = True
    return "", 204


def user_json(user) -> dict:
    return {
        "id": user.id, "email": user.email, "name": user.name, "role": user.role.value,
        "ward": None if user.ward is None else {"code": user.ward.code, "name_ja": user.ward.name_ja},
        "vendor": None if user.vendor is None else {"id": user.vendor.id, "name": user.vendor.name},
    }


@bp.get("/me")
@allow(*ANY_SIGNED_IN)
def me():
    return jsonify(user_json(request_user()))


def ward_json(ward: Ward) -> dict:
    return {"code": ward.code, "name_ja": ward.name_ja, "name_en": ward.name_en,
            "population": ward.population, "households": ward.households}


@bp.get("/wards")
@allow(*ANY_SIGNED_IN)
def wards():
    rows = db.session.scalars(select(Ward).order_by(Ward.code))
    return jsonify(wards=[ward_json(w) for w in rows])


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document())


document(
    paths={
        "/tokens": {"post": {
            "summary": "Exchange e-mail and password for a bearer token",
            "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["email", "password"],
                "properties": {"email": {"type": "string", "minLength": 1, "maxLength": 254},
                               "password": {"type": "string", "minLength": 1, "maxLength": 200}}}}}},
            "responses": {"201": {"description": "Token issued", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Token"}}}},
                **error_responses(400, 401, 422, 429)},
        }},
        "/tokens/current": {"delete": {
            "summary": "Revoke the token used for this request",
            "responses": {"204": {"description": "Revoked"}, **error_responses(401)},
        }},
        "/me": {"get": {
            "summary": "The signed-in user",
            "responses": {"200": {"description": "The caller", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Me"}}}}, **error_responses(401)},
        }},
        "/wards": {"get": {
            "summary": "The 23 special wards with 2020 census figures",
            "responses": {"200": {"description": "Wards ordered by code", "content": {
                "application/json": {"schema": {"type": "object", "properties": {"wards": {
                    "type": "array", "items": {"$ref": "#/components/schemas/Ward"}}}}}}},
                **error_responses(401)},
        }},
        "/openapi.json": {"get": {
            "summary": "This document", "security": [],
            "responses": {"200": {"description": "OpenAPI 3 document"}},
        }},
    },
    schemas={
        "Token": {"type": "object", "required": ["token", "token_type", "expires_at"],
                  "properties": {"token": {"type": "string"}, "token_type": {"type": "string"},
                                 "expires_at": {"type": "string", "format": "date-time"}}},
        "Me": {"type": "object", "required": ["id", "email", "name", "role"], "properties": {
            "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
            "role": {"type": "string", "enum": ["ward_staff", "ward_approver", "ward_inspector",
                                               "office", "vendor"]},
            "ward": {"type": "object", "nullable": True},
            "vendor": {"type": "object", "nullable": True}}},
        "Ward": {"type": "object", "required": ["code", "name_ja", "name_en", "population"],
                 "properties": {"code": {"type": "string", "description": "全国地方公共団体コード"},
                                "name_ja": {"type": "string"}, "name_en": {"type": "string"},
                                "population": {"type": "integer"},
                                "households": {"type": "integer", "nullable": True,
                                               "description": "null where not verified"}}},
    },
)
