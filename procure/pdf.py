"""PDF rendering with WeasyPrint: A4, Japanese font embedded (Noto Sans CJK JP)."""
from __future__ import annotations

from flask import render_template
from weasyprint import HTML

from procure import config


def render_pdf(template: str, **context) -> bytes:
    html = render_template(template, **context)
    return HTML(string=html, base_url=str(config.PROJECT_ROOT / "static")).write_pdf()
