"""Invoices: qualified-invoice rules, matching, payments and exports.

The rule modules here (`tax`, `matching`, `zengin`) are pure: they import neither
Flask nor the database, so they can be used and tested on their own.
"""
