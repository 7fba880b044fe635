"""Shared catalog and just-in-time ordering (see issue: catalog)."""
