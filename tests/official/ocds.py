"""The official OCDS 1.1.5 release package schema (JSON Schema draft 4), with the release schema
it refers to resolved locally."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

SCHEMAS = Path(__file__).parent / "ocds-1.1.5"
RELEASE_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    release = json.loads((SCHEMAS / "release-schema.json").read_text())
    package = json.loads((SCHEMAS / "release-package-schema.json").read_text())
    registry = Registry().with_resource(RELEASE_URL, Resource.from_contents(release, default_specification=DRAFT4))
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


def errors(package: dict) -> list[str]:
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in _validator().iter_errors(package)]
