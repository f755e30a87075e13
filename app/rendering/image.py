"""Image outputs: layered specs drawn by Pillow.

One ImageRenderer lives as long as its worker and keeps decoded backgrounds and
rasterised brand logos in bounded caches; encoding settings are chosen for speed
(PNG level 1 is ~3× faster than the default for a few % more bytes).

Masters: the leading layers of a size that do not depend on the partner (background,
rects, brand logo, copy text, ...) are drawn once per kit/template/campaign and kept in a
bounded cache; per partner a copy of that canvas gets the remaining layers, in order (a
static layer after a partner layer is drawn per partner too, so layer order is kept).
Per partner only the master's window (partner_window: the rows from the topmost partner box
down, or the partners' column of a layout that keeps them in one) is copied and drawn on, and
png.py writes it with the master's PNG parts around it, filtered and deflated once per master.
Partner layers draw inside their boxes; text whose ink would leave the window is drawn on the
whole canvas instead. The bytes are a function of the pixels and of the layout's window only,
so a render with a cold cache and one with a warm cache are byte-identical.
"""

from __future__ import annotations

import io
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError, meta
from PIL import Image, ImageDraw, ImageOps, ImageStat

from app.errors import TemplateInvalid
from app.rendering.color import brand_logo_variant, hex_to_rgb
from app.rendering.context import base_context, partner_context
from app.rendering.fonts import font_stack, language_direction, load_face, text_direction
from app.rendering.jinja import _TEXT_ENV, evaluate, render_text
from app.rendering.logos import PreparedLogo, fit_size, rasterize_svg, sniff_kind
from app.rendering.model import (
    BrandKit,
    CampaignInput,
    CampaignTemplate,
    ImageOutput,
    ImageSize,
    PartnerInput,
)
from app.rendering.png import PngRows, PngWindow
from app.rendering.qr import qr_image
from app.rendering.textfit import fit_text

Box = tuple[int, int, int, int]
ENCODE_OPTIONS: dict[str, dict[str, Any]] = {
    "png": {"format": "PNG", "compress_level": 1},
    "jpeg": {"format": "JPEG", "quality": 88, "subsampling": 0},
    "webp": {"format": "WEBP", "quality": 85, "method": 4},
}
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}


@lru_cache(maxsize=16)
def _background(path: Path, version: str, width: int, height: int) -> Image.Image:
    with Image.open(path) as image:
        return ImageOps.fit(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)


@lru_cache(maxsize=64)
def _logo_file(path: Path, version: str, width: int, height: int) -> Image.Image:
    """A brand-kit logo file drawn to fit width × height."""
    data = path.read_bytes()
    if sniff_kind(data) == "svg":
        from app.rendering.logos import prepare_logo

        return _draw_logo(prepare_logo(data, str(path)), width, height)
    with Image.open(io.BytesIO(data)) as image:
        rgba = image.convert("RGBA")
    w, h = fit_size(rgba.size, (width, height), raster=True)
    return rgba.resize((max(1, round(w)), max(1, round(h))), Image.Resampling.LANCZOS)


@lru_cache(maxsize=32)
def _draw_logo(logo: PreparedLogo, width: int, height: int) -> Image.Image:
    """A prepared logo at its fitted size inside width × height (rasters ≤ 2× upscale)."""
    w, h = fit_size((logo.width, logo.height), (width, height), raster=logo.kind == "png")
    size = (max(1, round(w)), max(1, round(h)))
    if logo.kind == "svg":
        return rasterize_svg(logo.data, *size)
    with Image.open(io.BytesIO(logo.data)) as image:
        return image.convert("RGBA").resize(size, Image.Resampling.LANCZOS)


STATIC_NAMES = frozenset({"brand", "campaign", "template", "copy", "lang", "dir"})
"""Context names that do not depend on the partner (see cobrand.base_context): anything else
(partner, tracked_url, fields, disclaimer, unknown names) makes a layer partner-dependent."""
STATIC_LAYER_TYPES = frozenset({"background", "rect", "brand_logo", "text", "cta"})
BOXED_LAYER_TYPES = frozenset({"rect", "brand_logo", "partner_logo", "text", "cta", "qr"})
"""Layer types that draw only inside their box, text excepted (_draw_text checks its ink)."""
SPLIT_MARGIN = 16
"""Rows above the topmost partner-dependent box also encoded per partner (glyph overshoot)."""


@lru_cache(maxsize=512)
def _source_is_static(source: str, expression: bool) -> bool:
    """True when a Jinja text (or `when` expression) references only partner-independent names."""
    try:
        parsed = _TEXT_ENV.parse("{{ (" + source + ") }}" if expression else source)
    except TemplateSyntaxError:
        return False  # rendered per partner: the error surfaces there, as it always did
    return meta.find_undeclared_variables(parsed) <= STATIC_NAMES


def layer_is_static(layer: Any) -> bool:
    """Whether a layer draws the same pixels for every partner (conservative)."""
    spec = layer.spec
    if layer.type not in STATIC_LAYER_TYPES:
        return False  # partner_logo, qr (the tracked URL carries the partner), anything new
    if "when" in spec and not (isinstance(spec["when"], str) and _source_is_static(spec["when"], True)):
        return False
    if layer.type in ("text", "cta") and not (
        isinstance(spec.get("text"), str) and _source_is_static(spec["text"], False)
    ):
        return False
    return True


def static_prefix(size: ImageSize) -> int:
    """How many leading layers of a size are partner-independent (the master's layers)."""
    for index, layer in enumerate(size.layers):
        if not layer_is_static(layer):
            return index
    return len(size.layers)


def split_row(size: ImageSize, prefix: int) -> int:
    """The first row any per-partner layer (prefix onwards) may touch, with a margin."""
    top = size.height
    for layer in size.layers[prefix:]:
        box = layer.spec.get("box")
        if layer.type == "background" or not box:
            return 0
        top = min(top, int(box[1]))
    return max(0, min(size.height, top - SPLIT_MARGIN))


def partner_window(size: ImageSize, prefix: int, split: int, rtl: bool) -> Box | None:
    """Where per-partner layers draw (x0, y0, x1, y1): the rows from the split down, or (the
    layers' boxes in a column under half the width) only their boxes' span, with a margin.
    None: they may draw anywhere (a layer type not known to keep to its box, or no split)."""
    if not split or any(layer.type not in BOXED_LAYER_TYPES for layer in size.layers[prefix:]):
        return None
    boxes = [
        _mirrored(layer.spec, size.width)["box"] if rtl and layer.spec.get("mirror") else layer.spec["box"]
        for layer in size.layers[prefix:]
    ]
    whole_rows = (0, split, size.width, size.height)
    if not boxes:
        return whole_rows
    x0 = max(0, min(int(box[0]) for box in boxes) - SPLIT_MARGIN)
    x1 = min(size.width, max(int(box[0] + box[2]) for box in boxes) + SPLIT_MARGIN)
    y1 = min(size.height, max(int(box[1] + box[3]) for box in boxes) + SPLIT_MARGIN)
    if (x1 - x0) * 2 > size.width or x1 <= x0 or y1 <= split:
        return whole_rows  # one deflate stream from the split on costs less than cutting every row
    return (x0, split, x1, y1)


def _opaque(image: Image.Image) -> bool:
    return image.mode != "RGBA" or image.getchannel("A").getextrema() == (255, 255)


class _OutsideWindow(Exception):
    """A partner's text would reach out of the window it is drawn in (see partner_window)."""


@dataclass
class _Master:
    canvas: Image.Image
    """RGBA, the partner-independent leading layers drawn"""
    prefix: int
    split: int
    warnings: list[str]
    window: Box | None
    """Where the partner layers draw (partner_window)"""
    png: dict[str, PngRows] = field(default_factory=dict)
    """PNG row states by mode (RGB or RGBA), built on first use"""
    png_window: dict[str, PngWindow] = field(default_factory=dict)
    """PNG pieces around a narrow window, by mode, built on first use"""
    opaque: bool | None = None
    """Whether the canvas is opaque, found on first use"""


def _mirrored(spec: dict[str, Any], canvas_width: int) -> dict[str, Any]:
    """A layer spec mirrored left to right: its box and its horizontal alignment."""
    x, y, w, h = spec["box"]
    align = spec.get("align")
    flipped = {"left": "right", "right": "left"}.get(align, align) if align else None
    return {**spec, "box": [canvas_width - x - w, y, w, h], **({"align": flipped} if flipped else {})}


def _place(
    canvas: Image.Image, item: Image.Image, box: Box, align: str = "center", valign: str = "middle"
) -> None:
    x, y, w, h = box
    left = {"left": x, "right": x + w - item.width}.get(align, x + (w - item.width) // 2)
    top = {"top": y, "bottom": y + h - item.height}.get(valign, y + (h - item.height) // 2)
    canvas.alpha_composite(item, (left, top))


def _check_ink(font: Any, run: Any, left: float, baseline: float,
               inside: tuple[float, float, float, float], where: str) -> None:  # fmt: skip
    """Raise _OutsideWindow unless the run's ink stays inside (Pillow draws it at the integer part
    of the position plus the glyphs' offset: a pixel of slack either way)."""
    x0, y0, x1, y1 = font.getbbox(run.text, direction=run.direction, anchor="ls")
    if (
        left < 0 <= inside[0] or baseline < 0 <= inside[1]  # a shifted origin: int() rounds up below 0
        or int(left) + x0 - 1 < inside[0] or int(baseline) + y0 - 1 < inside[1]
        or int(left) + x1 + 1 > inside[2] or int(baseline) + y1 + 1 > inside[3]
    ):  # fmt: skip
        raise _OutsideWindow(where)


class ImageRenderer:
    """Render image outputs; keep one per worker process."""

    def __init__(self, *, master_cache_size: int = 8, fast_png: bool = True) -> None:
        self.master_cache_size = master_cache_size
        """Masters kept (each holds a canvas and, for PNG, its top rows: ~8 MB at 1080×1080); 0 disables them."""
        self.fast_png = fast_png
        """Write PNG with PngRows; False: Pillow's encoder with ENCODE_OPTIONS["png"]."""
        self._masters: OrderedDict[tuple[Any, ...], _Master] = OrderedDict()
        self._lock = threading.Lock()
        self.masters_drawn = 0
        """Masters this process drew (a forked job whose parent drew them draws none)."""

    def color(self, kit: BrandKit, value: str) -> tuple[int, int, int]:
        return hex_to_rgb(kit.color(value))

    def render(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        output: ImageOutput,
        size: ImageSize,
        partner: PartnerInput,
        campaign: CampaignInput,
        logo: PreparedLogo | None,
        channel: str = "image",
    ) -> tuple[bytes, list[str]]:
        """Render one size of an image output for one partner; returns bytes and fit warnings.

        channel: whose short link the image prints (a social post's images print the social one).
        """
        context = base_context(kit, template, partner, campaign, channel)
        # Image layers cannot embed the logo by URL; a marker lets `when = "partner.logo"` test for it.
        context["partner"] = partner_context(partner, "partner-logo" if logo else None)
        master = self._master(kit, template, output, size, context) if self.master_cache_size else None
        if master is not None and master.window is not None and output.format == "png" and self.fast_png:
            try:
                return self._render_window(master, master.window, kit, template, output, size, context, logo)
            except _OutsideWindow:
                pass  # the whole canvas, below, as if the window had not been tried
        if master is None:
            canvas = self._blank(kit, size)
            warnings: list[str] = []
            start = 0
        else:
            canvas = master.canvas.copy()
            warnings = list(master.warnings)
            start = master.prefix
        self._draw_layers(
            canvas, kit, template, output, size, context, logo, warnings, start, len(size.layers)
        )
        return self._encode(canvas, output, size, master), warnings

    def _render_window(self, master: _Master, box: Box, kit: BrandKit, template: CampaignTemplate, output: ImageOutput,
                       size: ImageSize, context: dict[str, Any], logo: PreparedLogo | None) -> tuple[bytes, list[str]]:  # fmt: skip
        """Draw the partner layers on a copy of the master's window only, and encode it with the
        master's PNG parts around it, made once: no per-partner pass over the rest of the canvas.

        Every partner layer has a box inside the window and draws inside it, except text, whose
        ink _draw_text checks (_OutsideWindow): so the pixels outside are the master's own.
        """
        x0, y0, x1, y1 = box
        window = master.canvas.crop(box)
        warnings = list(master.warnings)
        self._draw_layers(window, kit, template, output, size, context, logo, warnings, master.prefix,
                          len(size.layers), window=box)  # fmt: skip
        if master.opaque is None:
            master.opaque = _opaque(master.canvas)
        mode = "RGB" if master.opaque and _opaque(window) else "RGBA"
        drawn = window if window.mode == mode else window.convert(mode)
        if (x0, x1, y1) == (0, size.width, size.height):
            rows = master.png.get(mode)
            if rows is None:
                canvas = master.canvas if mode == "RGBA" else master.canvas.convert("RGB")
                rows = master.png[mode] = PngRows(canvas, y0)
            return rows.encode_band(drawn), warnings
        pieces = master.png_window.get(mode)
        if pieces is None:
            canvas = master.canvas if mode == "RGBA" else master.canvas.convert("RGB")
            pieces = master.png_window[mode] = PngWindow(canvas, box)
        return pieces.encode(drawn), warnings

    def _blank(self, kit: BrandKit, size: ImageSize) -> Image.Image:
        return Image.new("RGBA", (size.width, size.height), self.color(kit, "background") + (255,))

    def _draw_layers(self, canvas: Image.Image, kit: BrandKit, template: CampaignTemplate, output: ImageOutput, size: ImageSize,
                     context: dict[str, Any], logo: PreparedLogo | None, warnings: list[str], start: int, stop: int,
                     window: Box | None = None) -> None:  # fmt: skip
        """Draw layers [start, stop) on canvas; window: canvas is only that part of the size."""
        inside = None
        if window is not None:
            # Text ink must stay inside the window, except on a side that is the canvas's own edge.
            x0, y0, x1, y1 = window
            far = float("inf")
            inside = (0 if x0 else -far, 0 if y0 else -far, x1 - x0 if x1 < size.width else far,
                      y1 - y0 if y1 < size.height else far)  # fmt: skip
        for index in range(start, stop):
            layer = size.layers[index]
            where = f"{template.slug}/{output.name} {size.label} layers[{index}] ({layer.type})"
            if "when" in layer.spec and not evaluate(layer.spec["when"], context, where=where):
                continue
            draw = getattr(self, f"_draw_{layer.type}")
            spec = layer.spec
            # `mirror = true`: the layer swaps sides in a right-to-left document (the co-brand block).
            if spec.get("mirror") and "box" in spec and context.get("dir") == "rtl":
                spec = _mirrored(spec, size.width)
            if window is not None:
                x, y, w, h = spec["box"]
                spec = {**spec, "box": [x - window[0], y - window[1], w, h]}
            draw(
                canvas,
                spec,
                kit=kit,
                template=template,
                context=context,
                logo=logo,
                where=where,
                warnings=warnings,
                inside=inside,
            )

    def _master(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        output: ImageOutput,
        size: ImageSize,
        context: dict[str, Any],
    ) -> _Master | None:
        """The canvas with the size's partner-independent leading layers drawn (bounded LRU)."""
        prefix = static_prefix(size)
        static = json.dumps(
            {name: context[name] for name in sorted(STATIC_NAMES)}, sort_keys=True, default=str
        )
        key = (
            kit.root,
            kit.version,
            template.root,
            template.version,
            output.name,
            output.format,
            size.label,
            static,
        )
        with self._lock:
            master = self._masters.get(key)
            if master is not None:
                self._masters.move_to_end(key)
                return master
        canvas = self._blank(kit, size)
        warnings: list[str] = []
        # Only partner-independent names are read by these layers (layer_is_static checked their sources).
        self._draw_layers(canvas, kit, template, output, size, context, None, warnings, 0, prefix)
        split = split_row(size, prefix)
        window = partner_window(size, prefix, split, context.get("dir") == "rtl")
        master = _Master(canvas, prefix, split, warnings, window)
        with self._lock:
            self.masters_drawn += 1
            self._masters[key] = master
            self._masters.move_to_end(key)
            while len(self._masters) > self.master_cache_size:
                self._masters.popitem(last=False)
        return master

    def _encode(
        self, canvas: Image.Image, output: ImageOutput, size: ImageSize, master: _Master | None
    ) -> bytes:
        image = canvas if output.format in ("png", "webp") else canvas.convert("RGB")
        if image.mode == "RGBA" and _opaque(image):
            image = image.convert("RGB")  # fully opaque: a quarter less data to filter and deflate
        if output.format == "png" and self.fast_png:
            split = master.split if master is not None else split_row(size, static_prefix(size))
            rows = master.png.get(image.mode) if master is not None else None
            if rows is None or not rows.matches(image):
                # Cold cache, or a partner layer reached above the split: the same split, from this image.
                fresh = PngRows(image, split)
                if master is not None and rows is None and self._is_master_rows(master, image, split):
                    master.png[image.mode] = fresh
                rows = fresh
            return rows.encode(image)
        out = io.BytesIO()
        image.save(out, **ENCODE_OPTIONS[output.format])
        return out.getvalue()

    @staticmethod
    def _is_master_rows(master: _Master, image: Image.Image, split: int) -> bool:
        """Whether image's rows above the split are the master's (so they may be cached with it)."""
        top = master.canvas.crop((0, 0, master.canvas.width, split))
        if image.mode == "RGB":
            if not _opaque(top):
                return False
            top = top.convert("RGB")
        return top.tobytes() == image.crop((0, 0, image.width, split)).tobytes()

    def _draw_background(
        self,
        canvas: Image.Image,
        spec: dict[str, Any],
        *,
        kit: BrandKit,
        template: CampaignTemplate,
        **_: Any,
    ) -> None:
        if "image" in spec:
            path = (template.root / spec["image"]).resolve()
            canvas.paste(_background(path, template.version, canvas.width, canvas.height).convert("RGBA"))
        else:
            canvas.paste(
                self.color(kit, spec.get("color", "background")) + (255,), (0, 0, canvas.width, canvas.height)
            )

    def _draw_rect(self, canvas: Image.Image, spec: dict[str, Any], *, kit: BrandKit, **_: Any) -> None:
        x, y, w, h = spec["box"]
        alpha = round(255 * float(spec.get("opacity", 1)))
        # Composite only the rectangle's own area: a canvas-sized layer cost ~10 ms per rect.
        left, top = max(0, x), max(0, y)
        right, bottom = min(canvas.width, x + w), min(canvas.height, y + h)
        if right <= left or bottom <= top:
            return
        layer = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
        ImageDraw.Draw(layer).rounded_rectangle(
            (x - left, y - top, x - left + w - 1, y - top + h - 1),
            radius=int(spec.get("radius", 0)),
            fill=self.color(kit, spec.get("color", "background")) + (alpha,),
        )
        canvas.alpha_composite(layer, (left, top))

    def _draw_brand_logo(self, canvas: Image.Image, spec: dict[str, Any], *, kit: BrandKit, **_: Any) -> None:
        x, y, w, h = spec["box"]
        variant = spec.get("variant", "auto")
        if variant == "auto":
            mean = ImageStat.Stat(canvas.crop((x, y, x + w, y + h)).convert("RGB")).mean
            variant = brand_logo_variant((round(mean[0]), round(mean[1]), round(mean[2])))
        if variant not in kit.logos:
            raise TemplateInvalid(f"brand_logo variant {variant!r}: the kit has {', '.join(kit.logos)}")
        item = _logo_file(kit.logos[variant], kit.version, w, h)
        _place(canvas, item, spec["box"], spec.get("align", "left"), spec.get("valign", "middle"))

    def _draw_partner_logo(
        self,
        canvas: Image.Image,
        spec: dict[str, Any],
        *,
        kit: BrandKit,
        context: dict[str, Any],
        logo: PreparedLogo | None,
        where: str,
        warnings: list[str],
        inside: tuple[float, float, float, float] | None = None,
        **_: Any,
    ) -> None:
        x, y, w, h = spec["box"]
        if logo is None:
            # No logo: the partner's name stands in its place, so the box is never empty.
            fallback = {**spec, "text": "{{ partner.name }}", "size": h * 0.5, "min_size": max(9, h * 0.15),
                        "weight": 700, "color": spec.get("color", "text"), "valign": "middle", "max_lines": None}  # fmt: skip
            self._draw_text(
                canvas, fallback, kit=kit, context=context, where=where, warnings=warnings, inside=inside
            )
            return
        _place(
            canvas,
            _draw_logo(logo, w, h),
            spec["box"],
            spec.get("align", "center"),
            spec.get("valign", "middle"),
        )

    def _draw_text(
        self,
        canvas: Image.Image,
        spec: dict[str, Any],
        *,
        kit: BrandKit,
        context: dict[str, Any],
        where: str,
        warnings: list[str],
        inside: tuple[float, float, float, float] | None = None,
        **_: Any,
    ) -> None:
        """Draw fitted text; inside: bounds the ink must keep to, or _OutsideWindow is raised."""
        text = render_text(spec["text"], context, where=where)
        x, y, w, h = spec["box"]
        weight = int(spec.get("weight", 400))
        fonts = font_stack(kit, spec.get("font", kit.fonts[0].family), weight, context.get("lang", ""))
        line_height = float(spec.get("line_height", 1.2))
        fitted = fit_text(
            text,
            fonts=fonts,
            width=w,
            height=h,
            max_size=float(spec["size"]),
            min_size=float(spec.get("min_size", spec["size"])),
            line_height=line_height,
            max_lines=spec.get("max_lines"),
            wrap_first=bool(spec.get("wrap_first", spec.get("max_lines", 1) != 1)),
        )
        if fitted.truncated:
            warnings.append(f"{where}: text overflows, cut to {' / '.join(fitted.lines)!r}")
        ascent, descent = load_face(fonts.primary, fitted.size).getmetrics()
        line_box = fitted.size * line_height
        block = line_box * len(fitted.lines)
        valign = spec.get("valign", "top")
        top = {"top": y, "bottom": y + h - block}.get(valign, y + (h - block) / 2)
        draw = ImageDraw.Draw(canvas)
        color = self.color(kit, spec.get("color", "text"))
        # Alignment is logical: "left" is the start of the line, so right-to-left text starts on the right.
        align = spec.get("align", "left")
        if text_direction(text, language_direction(context.get("lang", ""))) == "rtl":
            align = {"left": "right", "right": "left"}.get(align, align)
        for index, line in enumerate(fitted.lines):
            width = fonts.measure(line, fitted.size)
            left = {"left": x, "right": x + w - width}.get(align, x + (w - width) / 2)
            baseline = top + index * line_box + (line_box - (ascent + descent)) / 2 + ascent
            for run in fonts.visual_runs(line):
                font = load_face(run.face, fitted.size)
                if inside is not None:
                    _check_ink(font, run, left, baseline, inside, where)
                draw.text(
                    (left, baseline), run.text, font=font, fill=color, anchor="ls", direction=run.direction
                )
                left += font.getlength(run.text, direction=run.direction)

    def _draw_qr(
        self, canvas: Image.Image, spec: dict[str, Any], *, kit: BrandKit, context: dict[str, Any], **_: Any
    ) -> None:
        url = context["qr_url"]
        if not url:
            return
        x, y, w, h = spec["box"]
        side = min(w, h)
        code = qr_image(
            url,
            side,
            color=kit.color(spec.get("color", "text")),
            background=kit.color(spec.get("background", "#FFFFFF")),
        )
        _place(canvas, code.convert("RGBA"), spec["box"])

    def _draw_cta(
        self,
        canvas: Image.Image,
        spec: dict[str, Any],
        *,
        kit: BrandKit,
        context: dict[str, Any],
        where: str,
        warnings: list[str],
        inside: tuple[float, float, float, float] | None = None,
        **_: Any,
    ) -> None:
        x, y, w, h = spec["box"]
        self._draw_rect(
            canvas,
            {"box": spec["box"], "color": spec.get("fill", "accent"), "radius": spec.get("radius", h // 2)},
            kit=kit,
        )
        padding = max(8, h // 3)
        label = {
            **spec,
            "box": [x + padding, y, w - 2 * padding, h],
            "align": "center",
            "valign": "middle",
            "max_lines": 1,
        }
        self._draw_text(
            canvas, label, kit=kit, context=context, where=where, warnings=warnings, inside=inside
        )
