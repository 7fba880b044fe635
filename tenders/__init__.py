"""Pooled tenders run by the joint procurement office (see issue: tenders)."""
