"""The official OpenPeppol PINT JP 1.1.3 rules run over a document with Saxon (saxonche): the
shared PINT rules and the Japanese jurisdiction's, as an access point runs them."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree as ET

RULES = Path(__file__).parent / "pint-jp-1.1.3"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@lru_cache(maxsize=1)
def _executables():
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    compiler = processor.new_xslt30_processor()
    return processor, [compiler.compile_stylesheet(stylesheet_file=str(RULES / name))
                       for name in ("PINT-UBL-validation-preprocessed.xslt", "PINT-jurisdiction-aligned-rules.xslt")]


def failures(xml: bytes) -> list[dict]:
    """Every failed assert: {"id", "flag", "location", "text"}."""
    processor, executables = _executables()
    document = processor.parse_xml(xml_text=xml.decode("utf-8"))
    found = []
    for executable in executables:
        report = executable.transform_to_string(xdm_node=document)
        for failed in ET.fromstring(report.encode("utf-8")).iter(f"{SVRL}failed-assert"):
            text = failed.find(f"{SVRL}text")
            found.append({"id": failed.get("id"), "flag": failed.get("flag"), "location": failed.get("location"),
                          "text": " ".join((text.text or "").split()) if text is not None else ""})
    return found


def fatal(xml: bytes) -> list[dict]:
    return [f for f in failures(xml) if f["flag"] == "fatal"]
