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
        sign = "-" if amount < 0 else ""
        if abs(amount) >= 1000:
            return f"{sign}${abs(amount) / 1000:,.1f}k"
        return f"{sign}${abs(amount):,.0f}"
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
    """Grouped bars: one group per category, one bar per series, with a legend. The legend
    wraps onto more lines (the chart grows taller) rather than running off its right edge."""
    left, right, top, bottom = 56, 12, 28, 36
    legend = _legend_rows([name for name, _ in series], left=left, width=width - right)
    height += LEGEND_LINE * (len(legend) - 1)
    bottom += LEGEND_LINE * (len(legend) - 1)
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
        for row, items in enumerate(legend):
            y = height - LEGEND_LINE * (len(legend) - 1 - row)
            for j, name, x in items:
                parts.append(
                    f'<rect x="{x}" y="{y - 12}" width="10" height="10" '
                    f'fill="{PALETTE[j % len(PALETTE)]}"/>'
                    f'<text x="{x + 14}" y="{y - 3}" font-size="10" fill="#333">'
                    f"{escape(name)}</text>"
                )
    parts.append("</svg>")
    # Every piece of text above went through escape().
    return mark_safe("".join(parts))


LEGEND_LINE = 14  # px from one legend line to the next


def legend_width(name: str) -> int:
    """The room a legend entry takes: its swatch, the name (at most 7 px a character in the
    10 px font) and the gap to the next."""
    return 14 + 7 * len(name) + 16


def _legend_rows(
    names: Sequence[str], *, left: int, width: int
) -> list[list[tuple[int, str, int]]]:
    """(series index, name, x) of each legend entry, line by line, none past `width`."""
    rows: list[list[tuple[int, str, int]]] = [[]]
    x = left
    for j, name in enumerate(names):
        if rows[-1] and x + legend_width(name) - 16 > width:
            rows.append([])
            x = left
        rows[-1].append((j, name, x))
        x += legend_width(name)
    return rows
