"""Design templates: the master's pages and the zones drawn on them, read and checked.

A design template (`kind = "design"` in template.toml) is a finished PDF or image from any
design tool plus `[[zones]]`; the same zone fields arrive as JSON through the API. Zones are
measured in mm from the top-left corner of the page: a PDF page's trim box (its crop box,
else its media box, when it has none), an image at its own dpi (96 when it declares none).
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.rendering.model import (
    ALIGNMENTS,
    BRAND_COLOR_NAMES,
    CONTACT_FIELDS,
    MASTER_FORMATS,
    VERTICAL_ALIGNMENTS,
    ZONE_KINDS,
    DesignOutput,
    DesignPage,
    DesignZone,
)
from app.rendering.problems import HEX_COLOR, Problems, inside

MM_PER_PT = 25.4 / 72
DEFAULT_DPI = 96.0
"""An image that declares no resolution is taken at CSS pixels (1 px = 1/96 in)."""
MASTER_SUFFIXES = {".pdf": "pdf", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}
ZONE_FIELDS = (
    "page", "x_mm", "y_mm", "width_mm", "height_mm", "kind", "text", "fields", "font", "weight",
    "max_size_pt", "min_size_pt", "line_height", "align", "valign", "color", "background",
)  # fmt: skip
"""Every field a zone may have, in the order they are documented and returned."""
DEFAULT_OUTPUT = "design"


def page_box(page: Any) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) in PDF points of the box zones are measured from."""
    for key in ("/TrimBox", "/CropBox", "/MediaBox"):
        if key in page:
            left, bottom, right, top = (float(v) for v in page[key])
            return min(left, right), min(bottom, top), max(left, right), max(bottom, top)
    raise ValueError("page has no /MediaBox")


@lru_cache(maxsize=64)
def _master_pages(path: Path, mtime_ns: int, size: int, fmt: str) -> tuple[DesignPage, ...]:
    data = path.read_bytes()
    if fmt == "pdf":
        from pypdf import PdfReader

        pages = []
        for index, page in enumerate(PdfReader(io.BytesIO(data)).pages):
            if int(page.get("/Rotate", 0) or 0) % 360:
                raise ValueError(f"page {index + 1} is rotated (/Rotate); export it without rotation")
            left, bottom, right, top = page_box(page)
            pages.append(DesignPage((right - left) * MM_PER_PT, (top - bottom) * MM_PER_PT))
        return tuple(pages)
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        dpi = float((image.info.get("dpi") or (DEFAULT_DPI,))[0] or DEFAULT_DPI)
        width, height = image.size
    return (DesignPage(width / dpi * 25.4, height / dpi * 25.4, width, height),)


def master_pages(path: Path, fmt: str) -> tuple[DesignPage, ...]:
    """The pages of a master file (cached by path, modification time and size)."""
    stat = path.stat()
    return _master_pages(path, stat.st_mtime_ns, stat.st_size, fmt)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _color(value: Any) -> bool:
    return isinstance(value, str) and (value in BRAND_COLOR_NAMES or bool(HEX_COLOR.match(value)))


def parse_zone(spec: Any, where: str, problems: Problems, pages: tuple[DesignPage, ...]) -> DesignZone | None:
    """One zone from its TOML table or JSON object; problems name the field at fault."""
    if not isinstance(spec, dict):
        problems.add(where, "is not a table of zone fields")
        return None
    unknown = sorted(set(spec) - set(ZONE_FIELDS))
    if unknown:
        problems.add(where, f"unknown field {unknown[0]!r}; zone fields: {', '.join(ZONE_FIELDS)}")
    missing = [k for k in ("page", "x_mm", "y_mm", "width_mm", "height_mm") if not _number(spec.get(k))]
    if missing:
        problems.add(where, f"needs numbers for {', '.join(missing)}")
        return None
    kind = spec.get("kind")
    if kind not in ZONE_KINDS:
        problems.add(f"{where}.kind", f"{kind!r} is not one of {', '.join(ZONE_KINDS)}")
        return None
    before = len(problems.lines)
    page = spec["page"]
    if not isinstance(page, int) or not 1 <= page <= len(pages):
        problems.add(f"{where}.page", f"{page!r} is not a page of the master (1 to {len(pages)})")
    if spec["width_mm"] <= 0 or spec["height_mm"] <= 0:
        problems.add(where, "width_mm and height_mm must be above 0")
    for key in ("align", "valign"):
        allowed = ALIGNMENTS if key == "align" else VERTICAL_ALIGNMENTS
        if key in spec and spec[key] not in allowed:
            problems.add(f"{where}.{key}", f"{spec[key]!r} is not one of {', '.join(allowed)}")
    for key in ("color", "background"):
        if key in spec and not _color(spec[key]):
            problems.add(f"{where}.{key}", f"{spec[key]!r} is not #RRGGBB or a brand colour name")
    for key in ("max_size_pt", "min_size_pt", "line_height"):
        if key in spec and (not _number(spec[key]) or spec[key] <= 0):
            problems.add(f"{where}.{key}", f"{spec[key]!r} is not a number above 0")
    weight = spec.get("weight", 400)
    if not isinstance(weight, int) or not 100 <= weight <= 900:
        problems.add(f"{where}.weight", f"{weight!r} is not a font weight from 100 to 900")
    max_size, min_size = spec.get("max_size_pt", 14), spec.get("min_size_pt", 7)
    if _number(max_size) and _number(min_size) and min_size > max_size:
        problems.add(f"{where}.min_size_pt", "is larger than max_size_pt")
    fields = spec.get("fields", ["phone", "email", "website"])
    if not isinstance(fields, list) or not fields or any(f not in CONTACT_FIELDS for f in fields):
        problems.add(f"{where}.fields", f"{fields!r} is not a list of {', '.join(CONTACT_FIELDS)}")
    text = spec.get("text", "")
    if not isinstance(text, str) or (kind == "text" and not text.strip()):
        problems.add(f"{where}.text", "a text zone needs its text (placeholders allowed: {{ partner.name }})")
    if not isinstance(spec.get("font", ""), str):
        problems.add(f"{where}.font", "is not a brand-kit font family name")
    if len(problems.lines) > before:
        return None
    return DesignZone(
        page=page,
        x_mm=float(spec["x_mm"]),
        y_mm=float(spec["y_mm"]),
        width_mm=float(spec["width_mm"]),
        height_mm=float(spec["height_mm"]),
        kind=kind,
        text=text,
        fields=tuple(fields),
        font=str(spec.get("font", "")),
        weight=weight,
        max_size_pt=float(max_size),
        min_size_pt=float(min_size),
        line_height=float(spec.get("line_height", 1.2)),
        align=str(spec.get("align", "left")),
        valign=str(spec.get("valign", "middle")),
        color=str(spec.get("color", "text")),
        background=spec.get("background"),
    )


def parse_zones(specs: Any, pages: tuple[DesignPage, ...], problems: Problems) -> tuple[DesignZone, ...]:
    """Every zone of a design (none yet is allowed: a design just uploaded; lint reports it)."""
    if specs is None:
        return ()
    if not isinstance(specs, list):
        problems.add("zones", "is not a list of zones ([[zones]] tables, or a JSON array)")
        return ()
    zones = [parse_zone(spec, f"zones[{index}]", problems, pages) for index, spec in enumerate(specs)]
    return tuple(z for z in zones if z is not None)


def zone_json(zone: DesignZone) -> dict[str, Any]:
    """A zone in exactly the field names of the API and template.toml."""
    data: dict[str, Any] = {name: getattr(zone, name) for name in ZONE_FIELDS}
    data["fields"] = list(zone.fields)
    if zone.background is None:
        del data["background"]
    return data


def design_output(root: Path, data: dict[str, Any], problems: Problems) -> DesignOutput | None:
    """The one output of a design template.toml: its master file and its zones."""
    master = inside(root, str(data.get("master", "")))
    fmt = MASTER_SUFFIXES.get(master.suffix.lower(), "") if master else ""
    if master is None or not master.is_file() or not fmt:
        problems.add(
            "master", f"{data.get('master')!r} is not a PDF, PNG, JPEG or WebP file inside the template"
        )
        return None
    try:
        pages = master_pages(master, fmt)
    except Exception as exc:  # ok: a master that does not parse is a template problem, named here
        problems.add("master", f"cannot be read: {type(exc).__name__}: {exc}")
        return None
    name = data.get("output", DEFAULT_OUTPUT)
    zones = parse_zones(data.get("zones"), pages, problems)
    if problems:
        return None
    assert fmt in MASTER_FORMATS
    return DesignOutput(name=str(name), master=master, format=fmt, pages=pages, zones=zones)  # type: ignore[arg-type]


def design_fields(output: DesignOutput) -> tuple[str, ...]:
    """The partner fields a design's zones use (what [fields].partner lists for other templates)."""
    used: list[str] = []
    for zone in output.zones:
        used += {
            "logo": ["logo", "name"],
            "name": ["name"],
            "contact": list(zone.fields),
            "qr": ["tracked_url", "qr"],
            "link": ["tracked_url"],
            "text": [],
        }[zone.kind]
    return tuple(dict.fromkeys(used))
