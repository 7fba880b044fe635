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
        "paths": deepcopy(_PATHS),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": deepcopy(_SCHEMAS),
        },
    }
