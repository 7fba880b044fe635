"""One rule for where a `next` parameter may send a user: a path on this site, nothing else.

Browsers drop tabs and newlines from URLs and treat a backslash like a slash, so
"/\t/evil.example/" and "/\\evil.example" would leave the site; such targets, and anything with
a scheme or a host, fall back to `default`."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

_IGNORED_BY_BROWSERS = str.maketrans("", "", "\t\n\r")


def safe_next(target: str | None, default: str) -> str:
    if not target:
        return default
    cleaned = target.translate(_IGNORED_BY_BROWSERS).replace("\\", "/")
    # Judged as written and once more percent-decoded, in case anything on the way decodes it.
    for form in (cleaned, unquote(cleaned).translate(_IGNORED_BY_BROWSERS).replace("\\", "/")):
        if any(ord(c) < 0x20 or ord(c) == 0x7f for c in form) or not form.startswith("/") or form.startswith("//"):
            return default
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return default
    return cleaned
