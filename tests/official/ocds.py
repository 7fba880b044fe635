"""The official OCDS 1.1.5 release and record package schemas (JSON Schema draft 4), with the
release schema they refer to resolved locally; and a strict check: every release validated
against the core release schema patched with the declared extensions (JSON Merge Patch, as the
OCDS extension registry applies them), reporting any field that neither defines."""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

SCHEMAS = Path(__file__).parent / "ocds-1.1.5"
EXTENSIONS = Path(__file__).parent / "ocds-extensions"
BASE = "https://standard.open-contracting.org/schema/1__1__5/"
# Declared extension URL -> the patch kept here (tests/official/ocds-extensions/README.md).
PATCHES = {"ocds_bid_extension": "bid", "ocds_lots_extension": "lots", "ocds_contract_buyer_extension": "contract_buyer"}


def _load(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


@lru_cache(maxsize=2)
def _validator(package_schema: str):
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    registry = Registry().with_resource(f"{BASE}release-schema.json",
                                        Resource.from_contents(_load("release-schema.json"), default_specification=DRAFT4))
    return Draft4Validator(_load(package_schema), registry=registry, format_checker=FormatChecker())


def errors(package: dict) -> list[str]:
    """Errors of a release package against the official schema."""
    return _errors(_validator("release-package-schema.json"), package)


def record_errors(package: dict) -> list[str]:
    """Errors of a record package against the official schema."""
    return _errors(_validator("record-package-schema.json"), package)


def _errors(validator, data) -> list[str]:
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


def merge_patch(target, patch):
    """RFC 7386 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def patched_release_schema(extension_urls: list[str]) -> dict:
    schema = _load("release-schema.json")
    for url in extension_urls:
        name = next((folder for key, folder in PATCHES.items() if key in url), None)
        assert name is not None, f"no patch kept for the declared extension {url}"
        schema = merge_patch(schema, json.loads((EXTENSIONS / name / "release-schema.json").read_text()))
    return schema


def strict_errors(package: dict) -> list[str]:
    """Each release (or record's releases and compiled release) against the patched schema, and
    every field the patched schema does not define (the OCDS data review's "additional fields")."""
    from jsonschema import Draft4Validator, FormatChecker

    schema = patched_release_schema(package.get("extensions", []))
    validator = Draft4Validator(schema, format_checker=FormatChecker())
    releases = package.get("releases") or [r for record in package.get("records", [])
                                            for r in [*record["releases"], record["compiledRelease"]]]
    found = []
    for release in releases:
        found += [f"{release['id']} {e}" for e in _errors(validator, release)]
        found += [f"{release['id']} additional field: {path}" for path in _additional(release, schema, schema, "")]
    return found


def _resolve(node: dict, root: dict) -> dict:
    while "$ref" in node:
        node = root["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _additional(data, node: dict, root: dict, path: str) -> list[str]:
    node = _resolve(node, root)
    if isinstance(data, dict):
        properties = node.get("properties", {})
        found = []
        for key, value in data.items():
            if key not in properties:
                found.append(f"{path}/{key}")
            else:
                found += _additional(value, properties[key], root, f"{path}/{key}")
        return found
    if isinstance(data, list) and "items" in node:
        return [p for i, item in enumerate(data) for p in _additional(item, node["items"], root, f"{path}/{i}")]
    return []
