"""Server-side SVG charts: no axis label reaches past the edges, at any period, and they stay legible."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from app.web.charts import bar_chart, line_chart

CHAR_EM = 0.62
"""A generous average glyph width of the UI font, in em (digits and capitals are ~0.55–0.6)."""
AXIS_PX = 11
"""The axis font size (cobrand.css .chart .axis), in the chart's own units."""


def label_extents(svg: str) -> list[tuple[str, float, float]]:
    """(text, left, right) of every axis label, from its x, anchor and an estimated width."""
    out = []
    for x, anchor, text in re.findall(
        r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)" class="axis">([^<]+)<', svg
    ):
        width = len(text) * CHAR_EM * AXIS_PX
        left = {"start": float(x), "middle": float(x) - width / 2, "end": float(x) - width}[anchor]
        out.append((text, left, left + width))
    return out


@pytest.mark.parametrize("days", [7, 26, 30, 90, 365])
def test_no_date_label_is_cut_off_at_either_edge(days: int) -> None:
    end = date(2026, 11, 26)
    dates = [end - timedelta(days=days - 1 - i) for i in range(days)]
    svg = line_chart(dates, [("gold", list(range(days)))], title="Clicks")
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    labels = [item for item in label_extents(svg) if re.match(r"\d\d \w\w\w", item[0])]
    assert labels[-1][0] == "26 Nov"  # the last day is labelled …
    assert all(left >= 0 and right <= width for _, left, right in labels), labels  # … and nothing is cut
    assert all(a[2] + 4 <= b[1] for a, b in zip(labels, labels[1:], strict=False)), (
        labels
    )  # labels never overlap
    assert 6 >= len(labels) >= 2


def test_charts_are_narrow_enough_to_read_at_phone_width() -> None:
    # At 343 css px of card width, a 480-unit chart scales by 0.71: 11-unit labels render at ~7.9 px.
    svg = line_chart([date(2026, 11, 1)], [("a", [1])], title="t")
    assert 'viewBox="0 0 480 ' in svg
    assert 'viewBox="0 0 480 ' in bar_chart([("Gold", 3)], title="t")
