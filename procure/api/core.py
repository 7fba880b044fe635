"""Core API: tokens, the caller, the wards, and the OpenAPI document."""
from flask import Response, current_app, jsonify, request
from marshmallow import fields
from sqlalchemy import select

from procure.api import bp, errors
from procure.api.errors import ApiError
from procure.api.openapi import openapi_document
from procure.api.schemas import Id, Strict, Text
from procure.auth.models import ApiToken
from procure.auth.service import Throttled, check_credentials
from procure.extensions import db
from procure.models import Role, Ward
from procure.permissions import ANY_SIGNED_IN, allow, public, request_user


class TokenRequest(Strict):
    email = Text(254, required=True)
    password = Text(200, required=True)


class Token(Strict):
    token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class WardRef(Strict):
    code = fields.String(required=True)
    name_ja = fields.String(required=True)


class VendorRef(Strict):
    id = Id(required=True)
    name = fields.String(required=True)


class Me(Strict):
    id = Id(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.Enum(Role, by_value=True, required=True)
    ward = fields.Nested(WardRef, allow_none=True, required=True)
    vendor = fields.Nested(VendorRef, allow_none=True, required=True)


class WardOut(Strict):
    code = fields.String(required=True, metadata={"description": "全国地方公共団体コード"})
    name_ja = fields.String(required=True)
    name_en = fields.String(required=True)
    population = fields.Integer(required=True)
    households = fields.Integer(allow_none=True, required=True, metadata={"description": "null where not verified"})


class WardList(Strict):
    wards = fields.List(fields.Nested(WardOut), required=True)


@bp.post("/tokens")
@bp.arguments(TokenRequest)
@bp.response(201, Token)
@bp.doc(summary="Exchange e-mail and password for a bearer token")
@errors(401, 429)
@public
def create_token(body):
    try:
        user = check_credentials(body["email"], body["password"], request.remote_addr or "", channel="api")
    except Throttled:
        raise ApiError(429, "Too many failed sign-in attempts; try again later") from None
    if user is None:
        raise ApiError(401, "Wrong e-mail address or password")
    row, token = ApiToken.issue(user, current_app.config["API_TOKEN_HOURS"])
    db.session.add(row)
    return {"token": token, "token_type": "Bearer", "expires_at": row.expires_at}


@bp.delete("/tokens/current")
@bp.response(204, description="Revoked")
@bp.doc(summary="Revoke the token used for this request")
@allow(*ANY_SIGNED_IN)
def revoke_token():
    from procure.api.tokens import current_token_row

    row = current_token_row(request.headers.get("Authorization", ""))
    row.revoked = True
    return Response(status=204)


@bp.get("/me")
@bp.response(200, Me)
@bp.doc(summary="The signed-in user")
@allow(*ANY_SIGNED_IN)
def me():
    return request_user()


@bp.get("/wards")
@bp.response(200, WardList, description="Wards ordered by code")
@bp.doc(summary="The 23 special wards with 2020 census figures")
@allow(*ANY_SIGNED_IN)
def wards():
    return {"wards": db.session.scalars(select(Ward).order_by(Ward.code)).all()}


@bp.get("/openapi.json")
@bp.response(200, description="This document (OpenAPI 3)")
@bp.doc(summary="This document")
@public
def openapi():
    return jsonify(openapi_document())
