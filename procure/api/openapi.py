"""The OpenAPI 3 document. Each API module adds its paths with `document()`."""
from copy import deepcopy

_PATHS: dict = {}
_SCHEMAS: dict = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["status", "message"],
                                 "properties": {"status": {"type": "integer"},
                                                "message": {"type": "string"},
                                                "field": {"type": "string"}}}},
    },
}


def document(paths: dict, schemas: dict | None = None) -> None:
    for path, operations in paths.items():
        _PATHS.setdefault(path, {}).update(operations)
    _SCHEMAS.update(schemas or {})


def error_responses(*codes: int) -> dict:
    text = {400: "Bad request", 401: "Not signed in (no or invalid bearer token)",
            403: "Role not allowed", 404: "Not found", 409: "Conflict",
            413: "Upload too large", 422: "Invalid input", 429: "Too many attempts"}
    return {str(c): {"description": text[c],
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for c in codes}


def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "特別区共同調達 API", "version": "1.0.0",
                 "description": "Joint procurement marketplace of Tokyo's 23 special wards. "
                                "Authenticate with POST /api/v1/tokens, then send "
                                "'Authorization: Bearer <token>'."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": _with_shared_rules(deepcopy(_PATHS)),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": _bounded(deepcopy(_SCHEMAS)),
        },
    }


MAX_INT = 2 ** 63 - 1  # what the database holds (procure.routing.MAX_ID)


def _bounded(node):
    """Every integer the API takes or gives is a 64-bit one, as the code enforces
    (procure.api.errors.query_int/body_int, the id converter)."""
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


def _with_shared_rules(paths: dict) -> dict:
    """Answers every operation can give, stated once here rather than per operation: 422 where it
    takes input (a value out of range), 404 where its path names a row."""
    for path, operations in paths.items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            takes_input = operation.get("parameters") or operation.get("requestBody")
            if takes_input and "422" not in responses:
                responses.update(error_responses(422))
            if "{" in path and "404" not in responses:
                responses.update(error_responses(404))
    return _bounded(paths)
