"""The OpenAPI 3 document, written by apispec from the operations' declarations (procure.api.bp).

Added here, from the same sources the code obeys rather than by hand per operation: who may call
each operation (its access rule: security, 401, 403), 404 where the path names a row, 400 where a
JSON body is read, and the 64-bit bounds of every integer."""
from copy import deepcopy

from flask import current_app

from procure.api.schemas import MAX_INT
from procure.permissions import ANY_SIGNED_IN, PUBLIC

PREFIX = "/api/v1"
_ERROR = {"$ref": "#/components/schemas/Error"}


def openapi_document() -> dict:
    spec = deepcopy(current_app.extensions["procure_api"].spec.to_dict())
    paths = {path.removeprefix(PREFIX): operations for path, operations in spec["paths"].items()}
    rules = _access_rules()
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method in ("parameters", "summary", "description"):
                continue
            operation.pop("tags", None)
            _add_shared_answers(path, operation, rules.get((path, method)))
    components = spec.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearerAuth"] = {"type": "http", "scheme": "bearer"}
    return _bounded({
        "openapi": spec["openapi"],
        "info": {**spec["info"], "description": "Joint procurement marketplace of Tokyo's 23 special wards. "
                                               "Authenticate with POST /api/v1/tokens, then send "
                                               "'Authorization: Bearer <token>'."},
        "servers": [{"url": PREFIX}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": components,
    })


def _access_rules() -> dict:
    """(document path, method) -> the view's access rule (procure.permissions.allow/public)."""
    rules = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = rule.rule.removeprefix(PREFIX)
        for converter in ("int:", "string:", "path:"):
            path = path.replace("<" + converter, "{")
        path = path.replace("<", "{").replace(">", "}")
        roles = getattr(current_app.view_functions[rule.endpoint], "access_roles", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            rules[(path, method.lower())] = roles
    return rules


def _answer(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def _add_shared_answers(path: str, operation: dict, roles) -> None:
    responses = operation.setdefault("responses", {})
    if roles == PUBLIC:
        operation["security"] = []
    else:
        responses.setdefault("401", _answer("Not signed in (no or invalid bearer token)"))
        if roles != ANY_SIGNED_IN:
            names = ", ".join(sorted(role.value for role in roles))
            responses.setdefault("403", _answer(f"Role not allowed (allowed: {names})"))
    if "{" in path:
        responses.setdefault("404", _answer("Not found (or not yours)"))
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        responses.setdefault("400", _answer("The body is not a JSON object"))
    if content or operation.get("parameters"):
        responses.setdefault("422", _answer("Invalid input: the message names the field"))


def _bounded(node):
    """Every integer the API takes or gives is a 64-bit one, as the database holds."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node.setdefault("format", "int64")
            node.setdefault("minimum", -MAX_INT - 1)
            node.setdefault("maximum", MAX_INT)
        for value in node.values():
            _bounded(value)
    elif isinstance(node, list):
        for value in node:
            _bounded(value)
    return node
