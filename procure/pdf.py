"""PDF rendering with WeasyPrint: A4, Japanese font embedded (Noto Sans CJK JP)."""
from __future__ import annotations

from flask import render_template

from procure import config

BASE_URL = str(config.PROJECT_ROOT / "static")


def html_to_pdf(html: str) -> bytes:
    """Top-level so that worker processes (the invoice batch) can run it too."""
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL).write_pdf()


def render_pdf(template: str, **context) -> bytes:
    return html_to_pdf(render_template(template, **context))
