"""The OASIS UBL 2.1 Invoice schema (XSD, kept in tests/official/ubl-2.1) run with lxml (libxml2):
the syntax check an access point makes before any business rule."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

SCHEMAS = Path(__file__).parent / "ubl-2.1"
# The UBL files import the signature and core-component namespaces without a location (as the
# ph-ubl copy ships them); a driver schema loads those first, from the copies kept beside them.
_PRELOADED = (
    ("http://www.w3.org/2000/09/xmldsig#", "signature/xmldsig-core-schema.xsd"),
    ("http://uri.etsi.org/01903/v1.3.2#", "signature/XAdES01903v132-201601.xsd"),
    ("http://uri.etsi.org/01903/v1.4.1#", "signature/XAdES01903v141-201601.xsd"),
    ("urn:un:unece:uncefact:data:specification:CoreComponentTypeSchemaModule:2",
     "common/CCTS_CCT_SchemaModule-2.1.xsd"),
    ("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", "maindoc/UBL-Invoice-2.1.xsd"),
)


@lru_cache(maxsize=1)
def _schema():
    from lxml import etree

    imports = "".join(f'<xsd:import namespace="{ns}" schemaLocation="{(SCHEMAS / path).resolve().as_uri()}"/>'
                      for ns, path in _PRELOADED)
    driver = f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">{imports}</xsd:schema>'
    return etree.XMLSchema(etree.fromstring(driver.encode()))


def errors(xml: bytes) -> list[str]:
    """Every XSD violation as "line N: message"; [] for a valid UBL 2.1 Invoice."""
    from lxml import etree

    schema = _schema()
    document = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
