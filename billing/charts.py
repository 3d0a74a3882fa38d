"""Bar charts drawn on the server as inline SVG: nothing is loaded from another host and no
script runs (the admin's CSP allows only our own scripts)."""

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#417690", "#e8a33d", "#79aec8", "#ba2121", "#5b8c5a", "#8a6fb5")


def _label(value: Decimal | int, money: bool) -> str:
    if money:
        amount = Decimal(value)
        if abs(amount) >= 1000:
            return f"${amount / 1000:,.1f}k"
        return f"${amount:,.0f}"
    return f"{value:,}"


def bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | int]]],
    *,
    title: str,
    money: bool = True,
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """Grouped bars: one group per category, one bar per series, with a legend."""
    left, right, top, bottom = 56, 12, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((Decimal(v) for _, values in series for v in values), default=Decimal(0))
    peak = peak if peak > 0 else Decimal(1)
    group_w = plot_w / max(len(categories), 1)
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="finance-chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="{left}" y="16" font-size="13" font-weight="bold" fill="#333">'
        f"{escape(title)}</text>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 4}" font-size="10" text-anchor="end" fill="#666">'
        f"{escape(_label(peak, money))}</text>",
        f'<text x="{left - 6}" y="{top + plot_h}" font-size="10" text-anchor="end" '
        f'fill="#666">0</text>',
    ]
    for i, category in enumerate(categories):
        x0 = left + i * group_w + group_w * 0.1
        for j, (name, values) in enumerate(series):
            value = Decimal(values[i]) if i < len(values) else Decimal(0)
            h = float(max(value, Decimal(0)) / peak) * plot_h
            x = x0 + j * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{escape(category)} {escape(name)}: {escape(_label(value, money))}"
                f"</title></rect>"
            )
        parts.append(
            f'<text x="{left + i * group_w + group_w / 2:.1f}" y="{top + plot_h + 14}" '
            f'font-size="10" text-anchor="middle" fill="#666">{escape(category)}</text>'
        )
    if len(series) > 1:
        x = left
        for j, (name, _) in enumerate(series):
            parts.append(
                f'<rect x="{x}" y="{height - 12}" width="10" height="10" '
                f'fill="{PALETTE[j % len(PALETTE)]}"/>'
                f'<text x="{x + 14}" y="{height - 3}" font-size="10" fill="#333">'
                f"{escape(name)}</text>"
            )
            x += 14 + 7 * len(name) + 16
    parts.append("</svg>")
    # Every piece of text above went through escape().
    return mark_safe("".join(parts))
