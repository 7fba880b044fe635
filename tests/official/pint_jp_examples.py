"""OpenPeppol's own PINT JP 1.1.3 example invoices (kept unchanged in pint-jp-examples/, from
phax/phive-rules' test files), and each one addressed from one of our vendors to one of our wards."""
from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).parent / "pint-jp-examples"
NS = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}


def examples() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(EXAMPLES.glob("*.xml"))}


def addressed(data: bytes, number: str, seller_corporate: str, seller_registration: str, buyer_corporate: str) -> bytes:
    """The example as one of our vendors would send it to one of our wards."""
    from lxml import etree

    root = etree.fromstring(data)
    root.find("cbc:ID", NS).text = number
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    seller.find("cbc:EndpointID", NS).text = seller_corporate
    for scheme in seller.findall("cac:PartyTaxScheme", NS):
        scheme.find("cbc:CompanyID", NS).text = seller_registration
    root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS).text = buyer_corporate
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
