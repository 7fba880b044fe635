"""Tender pages: the office runs tenders, wards join and enter demand, vendors bid; public results
and the OCDS release. Thin: parse, call tenders.service, render. One blueprint, one module per
kind of user."""
from tenders.views import documents, office, pricing, public, vendor, ward  # noqa: F401  (registers the routes)
from tenders.views.common import bp

__all__ = ["bp"]
