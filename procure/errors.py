"""The one shape of a user-facing refusal: a specific reason in Japanese and, where it belongs to
one, the form field (so the page can mark it). Each package names its own subclass."""
from __future__ import annotations


class FieldError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
