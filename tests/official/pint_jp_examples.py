"""OpenPeppol's own PINT JP 1.1.3 example invoices (kept unchanged in pint-jp-examples/, from
phax/phive-rules' test files) and two ways to reshape them for tests: taxable lines only (this
marketplace buys at 10% or 8%), and addressed from one of our vendors to one of our wards."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

EXAMPLES = Path(__file__).parent / "pint-jp-examples"
NS = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
NON_TAXABLE = ("E", "O", "Z", "G")


def examples() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(EXAMPLES.glob("*.xml"))}


def taxable_only(data: bytes) -> bytes:
    """The example without its non-taxable lines and tax breakdowns, its totals reduced to match."""
    from lxml import etree

    root = etree.fromstring(data)
    removed = Decimal(0)
    for line in root.findall("cac:InvoiceLine", NS):
        if line.findtext("cac:Item/cac:ClassifiedTaxCategory/cbc:ID", namespaces=NS) in NON_TAXABLE:
            removed += Decimal(line.findtext("cbc:LineExtensionAmount", namespaces=NS))
            root.remove(line)
    for total in root.findall("cac:TaxTotal", NS):
        for subtotal in total.findall("cac:TaxSubtotal", NS):
            if subtotal.findtext("cac:TaxCategory/cbc:ID", namespaces=NS) in NON_TAXABLE:
                total.remove(subtotal)
    money = root.find("cac:LegalMonetaryTotal", NS)
    for name in ("LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount", "PayableAmount"):
        element = money.find(f"cbc:{name}", NS)
        if element is not None:
            element.text = str(Decimal(element.text) - removed)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


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
