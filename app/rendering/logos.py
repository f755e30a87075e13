"""Partner and brand logos: check by their bytes, sanitise SVG, trim padding, rasterise.

Logos come from untrusted partners. A file is accepted only if its bytes are PNG, JPEG,
WebP or SVG, it is not too large in bytes or pixels (decompression bombs are refused
before decoding), and an SVG carries no scripts, external references, DTDs or entities.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
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

MAX_SVG_ELEMENTS = 5_000
"""Most elements an SVG may draw, counted after every <use> is expanded (a nested-<use> bomb is refused)."""
MAX_SVG_PATH_SEGMENTS = 50_000
"""Most path and polygon coordinates an SVG may draw, also counted after <use> expansion."""
MAX_SVG_ASPECT = 20.0
"""Widest or tallest shape accepted (width/height or height/width), and most viewBox distortion."""
MAX_SVG_SIDE = 10_000.0
"""Largest width or height, in pixels, an SVG may declare."""

LogoKind = Literal["png", "jpeg", "webp", "svg"]
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
SAFE_DATA_URI = re.compile(r"^data:image/(png|jpeg|webp);base64,", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.I)
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")

ALLOWED_SVG_ELEMENTS = frozenset(
    "svg g defs symbol use path rect circle ellipse line polyline polygon text tspan title desc "
    "linearGradient radialGradient stop clipPath mask pattern marker image style".split()
)
"""What a stored logo may contain; anything else (script, foreignObject, animation, filters…) is dropped."""
ALLOWED_SVG_ATTRIBUTES = frozenset(
    "id class style x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points transform viewBox "
    "preserveAspectRatio fill fill-opacity fill-rule stroke stroke-width stroke-linecap stroke-linejoin "
    "stroke-miterlimit stroke-dasharray stroke-dashoffset stroke-opacity opacity clip-path clip-rule mask "
    "offset stop-color stop-opacity gradientUnits gradientTransform spreadMethod patternUnits "
    "patternContentUnits patternTransform clipPathUnits maskUnits maskContentUnits markerWidth "
    "markerHeight refX refY orient markerUnits marker-start marker-mid marker-end font-family font-size "
    "font-weight font-style font-variant text-anchor dominant-baseline alignment-baseline baseline-shift "
    "letter-spacing word-spacing dx dy rotate textLength lengthAdjust color display visibility "
    "paint-order vector-effect shape-rendering text-rendering image-rendering version href".split()
)
"""Attributes a stored logo may carry (no event handlers, no xml:base, no foreign namespaces)."""


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
        check_svg_budget(root, source)
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


def check_svg_budget(root: ElementTree.Element, source: str = "logo") -> None:
    """Refuse SVGs that would cost too much to draw: elements and path coordinates after <use>
    expansion (MAX_SVG_ELEMENTS, MAX_SVG_PATH_SEGMENTS), extreme sizes, shapes and viewBox ratios."""
    width, height = _svg_size(root)
    if not (1 <= width <= MAX_SVG_SIDE and 1 <= height <= MAX_SVG_SIDE):
        raise UploadRejected(
            f"{source}: {width:g}×{height:g} px; an SVG logo is 1 to {MAX_SVG_SIDE:,.0f} px a side"
        )
    if max(width / height, height / width) > MAX_SVG_ASPECT:
        raise UploadRejected(
            f"{source}: {width:g}×{height:g} is more than {MAX_SVG_ASPECT:g} times wider than tall (or taller than wide)"
        )
    box = _view_box(root)
    if box is not None:
        distortion = (box[2] / box[3]) / (width / height)
        if max(distortion, 1 / distortion) > MAX_SVG_ASPECT:
            raise UploadRejected(f"{source}: the viewBox's shape does not match the width and height")
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    cost: dict[int, tuple[int, int]] = {}
    limit = (MAX_SVG_ELEMENTS, MAX_SVG_PATH_SEGMENTS)

    def measure(element: ElementTree.Element, stack: frozenset[int]) -> tuple[int, int]:
        key = id(element)
        if key in cost:
            return cost[key]
        if key in stack:
            raise UploadRejected(f"{source}: an SVG <use> refers to itself")
        stack = stack | {key}
        elements = 1
        segments = sum(len(NUMBER.findall(element.get(a) or "")) for a in ("d", "points")) // 2
        children = list(element)
        if _local(element.tag) == "use":
            href = element.get("href") or element.get(f"{{{XLINK_NS}}}href") or ""
            target = by_id.get(href[1:]) if href.startswith("#") else None
            if target is not None:
                children.append(target)
        for child in children:
            more = measure(child, stack)
            # Capped: a bomb's true count would be a number with hundreds of digits.
            elements, segments = min(elements + more[0], limit[0] + 1), min(segments + more[1], limit[1] + 1)
        cost[key] = (elements, segments)
        return elements, segments

    elements, segments = measure(root, frozenset())
    if elements > MAX_SVG_ELEMENTS:
        raise UploadRejected(
            f"{source}: the SVG draws over {MAX_SVG_ELEMENTS:,} elements once <use> is expanded"
        )
    if segments > MAX_SVG_PATH_SEGMENTS:
        raise UploadRejected(
            f"{source}: the SVG has over {MAX_SVG_PATH_SEGMENTS:,} path points once <use> is expanded"
        )


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


def _is_safe_reference(value: str, *, image: bool = False) -> bool:
    """Only references inside the file, and (for <image>) embedded PNG, JPEG or WebP data."""
    value = value.strip()
    return value.startswith("#") or (image and bool(SAFE_DATA_URI.match(value)))


def _is_safe_css(text: str) -> bool:
    lowered = text.lower()
    if "@import" in lowered or "expression(" in lowered or "javascript:" in lowered or "\\" in text:
        return False
    return all(_is_safe_reference(u) for u in CSS_URL.findall(text))


def _allowed_attribute(name: str) -> str | None:
    """The attribute's plain name if it is on the allowlist (xlink:href counts as href), else None."""
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        if namespace == XLINK_NS and local == "href":
            return "href"
        return "space" if namespace == XML_NS and local == "space" else None
    return name if name in ALLOWED_SVG_ATTRIBUTES else None


def _scrub(element: ElementTree.Element) -> None:
    """Keep only allowlisted SVG elements and attributes, with references inside the file."""
    for child in list(element):
        tag = child.tag if isinstance(child.tag, str) else ""
        namespace = tag[1:].partition("}")[0] if tag.startswith("{") else SVG_NS
        if namespace != SVG_NS or _local(tag) not in ALLOWED_SVG_ELEMENTS:
            element.remove(child)
            continue
        if _local(tag) == "style" and not _is_safe_css(child.text or ""):
            element.remove(child)
            continue
        _scrub(child)
    is_image = _local(element.tag) == "image"
    for name in list(element.attrib):
        value = element.attrib[name]
        allowed = _allowed_attribute(name)
        if allowed is None:
            del element.attrib[name]
        elif allowed == "href" and not _is_safe_reference(value, image=is_image):
            del element.attrib[name]
        elif "url(" in value.lower() and not all(_is_safe_reference(u) for u in CSS_URL.findall(value)):
            del element.attrib[name]
        elif allowed == "style" and not _is_safe_css(value):
            del element.attrib[name]
    if is_image and not element.get("href") and not element.get(f"{{{XLINK_NS}}}href"):
        element.attrib.clear()  # an <image> without embedded data draws nothing


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


PREPARED_CACHE_SIZE = 64
"""Prepared logos kept per process (LRU), keyed by their bytes' digest and the limits checked."""
_prepared: OrderedDict[tuple[bytes, int | None, int], PreparedLogo] = OrderedDict()
_prepared_lock = threading.Lock()


def prepare_logo(
    data: bytes, source: str = "logo", *, max_bytes: int | None = None, max_pixels: int = MAX_LOGO_PIXELS
) -> PreparedLogo:
    """Validate a logo and return it ready to place: sanitised and trimmed SVG, or trimmed PNG.

    The byte limit is the caller's (MAX_LOGO_BYTES where bytes come in); None skips it, for
    logos already checked when they were stored. Accepted logos are cached by content, not by
    source: the same file is prepared once for every output, template and partner that uses it.
    Refusals are not cached (their message names the source).
    """
    key = (hashlib.sha256(data).digest(), max_bytes, max_pixels)
    with _prepared_lock:
        if key in _prepared:
            _prepared.move_to_end(key)
            return _prepared[key]
    logo = _prepare(data, source, max_bytes=max_bytes, max_pixels=max_pixels)
    with _prepared_lock:
        _prepared[key] = logo
        while len(_prepared) > PREPARED_CACHE_SIZE:
            _prepared.popitem(last=False)
    return logo


def _prepare(data: bytes, source: str, *, max_bytes: int | None, max_pixels: int) -> PreparedLogo:
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
    if trimmed.getchannel("A").getextrema() == (255, 255):
        # Opaque: kept RGB, a quarter less to encode here, and no soft mask for WeasyPrint to
        # split off and encode again in every PDF the logo appears in.
        trimmed = trimmed.convert("RGB")
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
