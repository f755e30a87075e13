"""Partner and brand logos: check by their bytes, sanitise SVG, trim padding, rasterise.

Logos come from untrusted partners. A file is accepted only if its bytes are PNG, JPEG,
WebP or SVG, it is not too large in bytes or pixels (decompression bombs are refused
before decoding), and an SVG carries no scripts, external references, DTDs or entities.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException
from PIL import Image

from app.errors import UploadRejected

MAX_LOGO_BYTES = 5 * 1024 * 1024
"""Largest logo file accepted."""
MAX_LOGO_PIXELS = 25_000_000
"""Largest decoded logo accepted (width × height); more is treated as a decompression bomb."""
MAX_UPSCALE = 2.0
"""A raster logo is never drawn larger than this many times its pixel size."""

LogoKind = Literal["png", "jpeg", "webp", "svg"]
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
FORBIDDEN_SVG_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "audio", "video", "handler"}
SAFE_DATA_URI = re.compile(r"^data:image/(png|jpeg|webp);base64,", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.I)


@dataclass(frozen=True)
class LogoInfo:
    kind: LogoKind
    width: int
    height: int


@dataclass(frozen=True)
class PreparedLogo:
    """A logo ready to place: sanitised SVG or trimmed PNG bytes, with its natural size."""

    kind: Literal["png", "svg"]
    data: bytes
    width: int
    height: int

    @property
    def media_type(self) -> str:
        return "image/svg+xml" if self.kind == "svg" else "image/png"


def sniff_kind(data: bytes) -> LogoKind | None:
    """Tell the file type from its first bytes, ignoring any file name."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype")) and b"<svg" in data[:4096].lower():
        return "svg"
    return None


def check_logo_bytes(
    data: bytes, *, source: str = "logo", max_bytes: int = MAX_LOGO_BYTES, max_pixels: int = MAX_LOGO_PIXELS
) -> LogoInfo:
    """Validate a logo file and return its type and size, or raise UploadRejected."""
    if not data:
        raise UploadRejected(f"{source}: the file is empty")
    if len(data) > max_bytes:
        raise UploadRejected(f"{source}: {len(data):,} bytes is over the {max_bytes:,}-byte limit for logos")
    kind = sniff_kind(data)
    if kind is None:
        raise UploadRejected(f"{source}: not a PNG, JPEG, WebP or SVG file (checked by its content)")
    if kind == "svg":
        root = _parse_svg(data, source)
        width, height = _svg_size(root)
        return LogoInfo("svg", round(width), round(height))
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise UploadRejected(
                    f"{source}: {width}×{height} pixels is over the {max_pixels:,}-pixel limit "
                    "(refused as a possible decompression bomb)"
                )
            image.load()
    except UploadRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise UploadRejected(f"{source}: refused as a decompression bomb ({exc})") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise UploadRejected(f"{source}: the {kind.upper()} file cannot be read ({exc})") from exc
    return LogoInfo(kind, width, height)


def _parse_svg(data: bytes, source: str) -> ElementTree.Element:
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UploadRejected(
            f"{source}: SVG with a DTD or entities is not accepted ({type(exc).__name__})"
        ) from exc
    except ElementTree.ParseError as exc:
        raise UploadRejected(f"{source}: not well-formed SVG ({exc})") from exc
    if _local(root.tag) != "svg":
        raise UploadRejected(f"{source}: the root element is <{_local(root.tag)}>, not <svg>")
    return root  # type: ignore[no-any-return]  # defusedxml returns ElementTree elements


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _length(value: str | None) -> float | None:
    if not value:
        return None
    match = re.match(r"^\s*([0-9.]+)\s*(px)?\s*$", value)
    return float(match.group(1)) if match else None


def _view_box(root: ElementTree.Element) -> tuple[float, float, float, float] | None:
    raw = root.get("viewBox")
    if not raw:
        return None
    try:
        parts = [float(p) for p in re.split(r"[\s,]+", raw.strip())]
    except ValueError:
        return None
    if len(parts) != 4 or parts[2] <= 0 or parts[3] <= 0:
        return None
    return parts[0], parts[1], parts[2], parts[3]


def _svg_size(root: ElementTree.Element) -> tuple[float, float]:
    box = _view_box(root)
    width, height = _length(root.get("width")), _length(root.get("height"))
    if width and height:
        return width, height
    if box:
        return box[2], box[3]
    return 300.0, 150.0  # the CSS default size of a replaced element without dimensions


def sanitize_svg(data: bytes, *, source: str = "logo") -> bytes:
    """Return the SVG without scripts, event handlers, external references or foreign content."""
    ElementTree.register_namespace("", SVG_NS)
    ElementTree.register_namespace("xlink", XLINK_NS)
    root = _parse_svg(data, source)
    _scrub(root)
    # Give the root explicit pixel dimensions so every renderer agrees on its natural size.
    width, height = _svg_size(root)
    if _view_box(root) is None:
        root.set("viewBox", f"0 0 {width:g} {height:g}")
    root.set("width", f"{width:g}")
    root.set("height", f"{height:g}")
    clean: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return clean


def _is_safe_reference(value: str) -> bool:
    value = value.strip()
    return value.startswith("#") or bool(SAFE_DATA_URI.match(value))


def _scrub(element: ElementTree.Element) -> None:
    for child in list(element):
        if _local(child.tag) in FORBIDDEN_SVG_ELEMENTS or not isinstance(child.tag, str):
            element.remove(child)
            continue
        if _local(child.tag) == "style" and child.text:
            if "@import" in child.text or any(not _is_safe_reference(u) for u in CSS_URL.findall(child.text)):
                element.remove(child)
                continue
        _scrub(child)
    for name in list(element.attrib):
        local = _local(name)
        value = element.attrib[name]
        if local.lower().startswith("on"):
            del element.attrib[name]
        elif local == "href" and not _is_safe_reference(value):
            del element.attrib[name]
        elif "url(" in value.lower() and any(not _is_safe_reference(u) for u in CSS_URL.findall(value)):
            del element.attrib[name]


def _content_bbox(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The box of what is not transparent and not white padding."""
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A")
    # Near-white or near-transparent pixels count as padding.
    not_white = Image.eval(rgba.convert("L"), lambda v: 255 if v < 245 else 0)
    opaque = Image.eval(alpha, lambda v: 255 if v > 16 else 0)
    corners = [rgba.getpixel(p) for p in ((0, 0), (rgba.width - 1, 0), (0, rgba.height - 1))]
    padding_is_white = all(c[3] > 16 and min(c[:3]) >= 245 for c in corners)  # type: ignore[index]
    if padding_is_white:
        from PIL import ImageChops

        mask = ImageChops.multiply(not_white, opaque)
    else:
        mask = opaque
    return mask.getbbox()


@lru_cache(maxsize=64)
def prepare_logo(
    data: bytes, source: str = "logo", *, max_bytes: int | None = None, max_pixels: int = MAX_LOGO_PIXELS
) -> PreparedLogo:
    """Validate a logo and return it ready to place: sanitised and trimmed SVG, or trimmed PNG.

    The byte limit is the caller's (MAX_LOGO_BYTES where bytes come in); None skips it, for
    logos already checked when they were stored.
    """
    info = check_logo_bytes(data, source=source, max_bytes=max_bytes or len(data), max_pixels=max_pixels)
    if info.kind == "svg":
        clean = sanitize_svg(data, source=source)
        return _trim_svg(clean, source)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        rgba = image.convert("RGBA")
    bbox = _content_bbox(rgba)
    if bbox is None:
        raise UploadRejected(f"{source}: the logo is empty (only transparent or white pixels)")
    trimmed = rgba.crop(bbox)
    out = io.BytesIO()
    trimmed.save(out, format="PNG", compress_level=6)
    return PreparedLogo("png", out.getvalue(), trimmed.width, trimmed.height)


def _trim_svg(clean: bytes, source: str) -> PreparedLogo:
    """Tighten the viewBox to the drawn content, found by rasterising once."""
    root = SafeElementTree.fromstring(clean)
    width, height = _svg_size(root)
    box = _view_box(root) or (0.0, 0.0, width, height)
    probe = rasterize_svg(clean, 512, max(1, round(512 * height / width)))
    bbox = _content_bbox(probe)
    if bbox is None:
        raise UploadRejected(f"{source}: the SVG draws nothing visible")
    sx, sy = box[2] / probe.width, box[3] / probe.height
    left, top, right, bottom = bbox
    # One probe pixel of slack on each side keeps anti-aliased edges.
    new_box = (
        box[0] + max(0, left - 1) * sx,
        box[1] + max(0, top - 1) * sy,
        min(probe.width, right - left + 2) * sx,
        min(probe.height, bottom - top + 2) * sy,
    )
    scale = width / box[2]
    root.set("viewBox", " ".join(f"{v:.3f}" for v in new_box))
    root.set("width", f"{new_box[2] * scale:.3f}")
    root.set("height", f"{new_box[3] * (height / box[3]):.3f}")
    data = ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return PreparedLogo("svg", data, round(new_box[2] * scale), round(new_box[3] * (height / box[3])))


def rasterize_svg(svg: bytes, width: int, height: int) -> Image.Image:
    """Draw a sanitised SVG at an exact pixel size (RGBA)."""
    import cairosvg  # imported here: only image outputs and SVG trimming need cairo

    png: bytes = cairosvg.svg2png(bytestring=svg, output_width=width, output_height=height, unsafe=False)
    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGBA")


def fit_size(natural: tuple[float, float], box: tuple[float, float], *, raster: bool) -> tuple[float, float]:
    """Scale (w, h) to fit box keeping aspect; rasters never grow more than MAX_UPSCALE×."""
    w, h = natural
    scale = min(box[0] / w, box[1] / h)
    if raster:
        scale = min(scale, MAX_UPSCALE)
    return w * scale, h * scale
