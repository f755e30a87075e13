"""Charts as server-rendered inline SVG: no JavaScript library, readable without scripts."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

PALETTE = ("#0b5cad", "#d9480f", "#2b8a3e", "#7048e8", "#c2255c", "#1098ad")
"""Series colours, distinguishable and at least 3:1 against white."""


def line_chart(days: list[date], series: list[tuple[str, list[int]]], *, title: str,
               width: int = 720, height: int = 240) -> Markup:  # fmt: skip
    """A multi-series line chart of daily counts with a legend and an accessible title."""
    left, right, top, bottom = 36, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1] + [v for _, points in series for v in points])
    step = plot_w / max(1, len(days) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: int) -> float:
        return top + plot_h - plot_h * v / peak

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for tick in sorted({0, peak // 2, peak}):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e3e7ee"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="axis">{tick}</text>'
        )
    for i, day in enumerate(days):
        if i % max(1, len(days) // 6) == 0 or i == len(days) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" class="axis">{day:%d %b}</text>'
            )
    for n, (label, points) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(points))
        parts.append(
            f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-linejoin="round">'
        )
        parts.append(f"<title>{escape(label)}: {sum(points)} downloads</title></path>")
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(rows: list[tuple[str, int]], *, title: str, width: int = 720) -> Markup:
    """Horizontal bars, one per row, labelled with their value."""
    bar_h, gap, label_w = 22, 10, 200
    height = max(1, len(rows)) * (bar_h + gap) + gap
    peak = max([1] + [v for _, v in rows])
    plot_w = width - label_w - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="bars-title">',
        f'<title id="bars-title">{escape(title)}</title>',
    ]
    for i, (label, value) in enumerate(rows):
        top = gap + i * (bar_h + gap)
        w = max(2, plot_w * value / peak)
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{top + 16}" text-anchor="end" class="label">{escape(short)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{top}" width="{w:.1f}" height="{bar_h}" rx="4" fill="{PALETTE[0]}"/>'
        )
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{top + 16}" class="value">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
