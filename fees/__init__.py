"""Pooled-volume service fees (seed 000): a recurring contract billed monthly to each ward as a base
fee plus a unit fee x the ward's units, where the unit fee is the tier all wards' units reach
together. Pure pricing in fees.pricing; use cases in fees.service; pages in fees.views."""
