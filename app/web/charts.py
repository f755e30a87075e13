"""Charts as server-rendered inline SVG: no JavaScript library, readable without scripts."""

from __future__ import annotations

import zlib
from datetime import date

from markupsafe import Markup, escape

PALETTE = ("#0b5cad", "#d9480f", "#2b8a3e", "#7048e8", "#c2255c", "#1098ad")
"""Series colours, distinguishable and at least 3:1 against white."""


def _id(title: str) -> str:
    """A stable element id per chart title: several charts share a page."""
    return f"chart-{zlib.crc32(title.encode()):08x}"


def line_chart(days: list[date], series: list[tuple[str, list[int]]], *, title: str, unit: str = "downloads",
               width: int = 480, height: int = 220) -> Markup:  # fmt: skip
    """A multi-series line chart of daily counts with a legend and an accessible title.

    480 units wide so that at phone width (~340 px) its 11 px labels stay legible; the first
    and last date labels are anchored inward, so none is cut off at the edges.
    """
    left, right, top, bottom = 36, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1] + [v for _, points in series for v in points])
    step = plot_w / max(1, len(days) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: int) -> float:
        return top + plot_h - plot_h * v / peak

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{_id(title)}">',
        f'<title id="{_id(title)}">{escape(title)}</title>',
    ]
    for tick in sorted({0, peak // 2, peak}):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e3e7ee"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="axis">{tick}</text>'
        )
    every = max(1, -(-len(days) // 5))  # at most 5 date labels plus the last
    for i, day in enumerate(days):
        last = i == len(days) - 1
        if (i % every == 0 and len(days) - 1 - i >= every / 2) or last:
            anchor = "end" if last else ("start" if i == 0 else "middle")
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="{anchor}" class="axis">{day:%d %b}</text>'
            )
    for n, (label, points) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(points))
        parts.append(
            f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-linejoin="round">'
        )
        parts.append(f"<title>{escape(label)}: {sum(points)} {escape(unit)}</title></path>")
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(rows: list[tuple[str, int]], *, title: str, width: int = 480) -> Markup:
    """Horizontal bars, one per row, labelled with their value."""
    bar_h, gap, label_w = 22, 10, 150
    height = max(1, len(rows)) * (bar_h + gap) + gap
    peak = max([1] + [v for _, v in rows])
    plot_w = width - label_w - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{_id(title)}">',
        f'<title id="{_id(title)}">{escape(title)}</title>',
    ]
    for i, (label, value) in enumerate(rows):
        top = gap + i * (bar_h + gap)
        w = max(2, plot_w * value / peak)
        short = label if len(label) <= 20 else label[:19] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{top + 16}" text-anchor="end" class="label">{escape(short)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{top}" width="{w:.1f}" height="{bar_h}" rx="4" fill="{PALETTE[0]}"/>'
        )
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{top + 16}" class="value">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
