"""Small server-rendered SVG charts (no JavaScript needed, allowed by the CSP)."""
from decimal import Decimal
from html import escape

PALETTE = ("#0b5cad", "#e08a00", "#2e8b57", "#8e44ad")


def bar_chart_svg(title: str, labels: list[str], series: dict[str, list[Decimal]],
                  value_format=lambda v: f"{v:,.0f}") -> str:
    """Horizontal grouped bars: one row per label, one bar per series. Returns <svg> markup."""
    row_height, bar_gap, label_width, chart_width = 14 * max(len(series), 1) + 10, 2, 110, 460
    values = [abs(v) for vals in series.values() for v in vals if v is not None] or [Decimal(1)]
    scale = Decimal(chart_width) / (max(values) or Decimal(1))
    height = 40 + row_height * len(labels) + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {label_width + chart_width + 90} {height}" class="chart">',
             f"<title>{escape(title)}</title>"]
    for s_index, name in enumerate(series):
        x = label_width + s_index * 150
        parts.append(f'<rect x="{x}" y="8" width="10" height="10" fill="{PALETTE[s_index % 4]}"/>'
                     f'<text x="{x + 14}" y="17" font-size="11">{escape(name)}</text>')
    for row, label in enumerate(labels):
        y = 30 + row * row_height
        parts.append(f'<text x="{label_width - 6}" y="{y + row_height / 2}" font-size="11" '
                     f'text-anchor="end">{escape(label)}</text>')
        for s_index, (name, vals) in enumerate(series.items()):
            value = vals[row]
            if value is None:
                continue
            width = float(abs(value) * scale)
            bar_y = y + s_index * 14
            colour = PALETTE[s_index % 4] if value >= 0 else "#b00020"
            parts.append(f'<rect x="{label_width}" y="{bar_y}" width="{width:.1f}" height="12" '
                         f'fill="{colour}"><title>{escape(label)} {escape(name)}: '
                         f'{escape(value_format(value))}</title></rect>'
                         f'<text x="{label_width + width + 4:.1f}" y="{bar_y + 10}" font-size="10">'
                         f'{escape(value_format(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)
