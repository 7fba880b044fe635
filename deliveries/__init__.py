"""Deliveries (納品) and inspections (検収), shared by catalog orders and tender contracts.

Catalog and tenders record deliveries through `deliveries.services`; invoicing reads accepted
quantities through it too. This package imports `procure` only: it names the order and contract
tables it points at, never their modules.
"""
