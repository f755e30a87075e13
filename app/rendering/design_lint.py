"""Lint for design templates: zones off the page or on top of each other, logo zones too small to
hold a legible logo, and zones over dense artwork (the designer left no room). Overflowing text is
found by lint's worst-case renders, as for every template."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageStat

from app.rendering.design import page_image
from app.rendering.model import CampaignTemplate, DesignOutput, DesignZone

MIN_LOGO_MM = 10.0
"""A logo zone must be at least this wide and high to hold a legible logo."""
DENSE_STDDEV = 12.0
"""Standard deviation of the grey levels (0-255) under a zone above which the artwork counts as busy."""
RASTER_PX_PER_MM = 4
"""~100 dpi: enough to tell plain from busy, cheap to draw."""
EDGE = 0.01
"""mm of rounding a zone may go past the page edge."""


def _where(template: CampaignTemplate, index: int, zone: DesignZone) -> str:
    return f"{template.root / 'template.toml'}: zones[{index}] ({zone.kind})"


def _overlap(a: DesignZone, b: DesignZone) -> bool:
    return (
        a.page == b.page
        and a.x_mm < b.x_mm + b.width_mm - EDGE
        and b.x_mm < a.x_mm + a.width_mm - EDGE
        and a.y_mm < b.y_mm + b.height_mm - EDGE
        and b.y_mm < a.y_mm + a.height_mm - EDGE
    )


@lru_cache(maxsize=16)
def _page_grey(master: Path, version: str, output: DesignOutput, page: int):  # type: ignore[no-untyped-def]
    width = max(16, round(output.pages[page - 1].width_mm * RASTER_PX_PER_MM))
    return page_image(output, page, width).convert("L")


def density(template: CampaignTemplate, output: DesignOutput, zone: DesignZone) -> float:
    """How busy the master is under a zone: the standard deviation of its grey levels."""
    grey = _page_grey(output.master, template.version, output, zone.page)
    scale = grey.width / output.pages[zone.page - 1].width_mm
    box = (
        max(0, round(zone.x_mm * scale)),
        max(0, round(zone.y_mm * scale)),
        min(grey.width, round((zone.x_mm + zone.width_mm) * scale)),
        min(grey.height, round((zone.y_mm + zone.height_mm) * scale)),
    )
    if box[2] <= box[0] or box[3] <= box[1]:
        return 0.0
    return float(ImageStat.Stat(grey.crop(box)).stddev[0])


def lint_design(template: CampaignTemplate, output: DesignOutput) -> list[str]:
    """Every problem of a design's zones, one line each."""
    problems: list[str] = []
    if not output.zones:
        problems.append(
            f"{template.root / 'template.toml'}: zones: none yet, every partner gets the master as it is"
        )
    for index, zone in enumerate(output.zones):
        where = _where(template, index, zone)
        page = output.pages[zone.page - 1]
        if (
            zone.x_mm < -EDGE
            or zone.y_mm < -EDGE
            or zone.x_mm + zone.width_mm > page.width_mm + EDGE
            or zone.y_mm + zone.height_mm > page.height_mm + EDGE
        ):
            problems.append(
                f"{where}: off the page: {zone.x_mm:g}, {zone.y_mm:g} mm + {zone.width_mm:g} × {zone.height_mm:g} mm "
                f"on page {zone.page} of {page.width_mm:.1f} × {page.height_mm:.1f} mm"
            )
        for other_index in range(index + 1, len(output.zones)):
            other = output.zones[other_index]
            if _overlap(zone, other):
                problems.append(f"{where}: overlaps zones[{other_index}] ({other.kind}) on page {zone.page}")
        if zone.kind == "logo" and min(zone.width_mm, zone.height_mm) < MIN_LOGO_MM:
            problems.append(
                f"{where}: {zone.width_mm:g} × {zone.height_mm:g} mm is too small for a legible logo "
                f"(at least {MIN_LOGO_MM:g} mm each way)"
            )
        if zone.background is None:
            spread = density(template, output, zone)
            if spread > DENSE_STDDEV:
                problems.append(
                    f"{where}: over dense artwork (grey levels spread {spread:.0f}, plain is under {DENSE_STDDEV:g}): "
                    "the design leaves no room here; move the zone or give it a background"
                )
    return problems
