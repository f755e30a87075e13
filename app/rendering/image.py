"""Image outputs: layered specs drawn by Pillow.

One ImageRenderer lives as long as its worker and keeps decoded backgrounds and
rasterised brand logos in bounded caches; encoding settings are chosen for speed
(PNG level 1 is ~3× faster than the default for a few % more bytes).
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageOps, ImageStat

from app.errors import TemplateInvalid
from app.rendering.cobrand import base_context, brand_logo_variant, hex_to_rgb, partner_context, qr_image
from app.rendering.jinja import evaluate, render_text
from app.rendering.logos import PreparedLogo, fit_size, rasterize_svg, sniff_kind
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, ImageOutput, ImageSize, PartnerInput
from app.rendering.textfit import fit_text, load_font

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


def _place(canvas: Image.Image, item: Image.Image, box: Box, align: str = "center", valign: str = "middle") -> None:
    x, y, w, h = box
    left = {"left": x, "right": x + w - item.width}.get(align, x + (w - item.width) // 2)
    top = {"top": y, "bottom": y + h - item.height}.get(valign, y + (h - item.height) // 2)
    canvas.alpha_composite(item, (left, top))


class ImageRenderer:
    """Render image outputs; keep one per worker process."""

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
    ) -> tuple[bytes, list[str]]:
        """Render one size of an image output for one partner; returns bytes and fit warnings."""
        context = base_context(kit, template, partner, campaign)
        # Image layers cannot embed the logo by URL; a marker lets `when = "partner.logo"` test for it.
        context["partner"] = partner_context(partner, "partner-logo" if logo else None)
        warnings: list[str] = []
        canvas = Image.new("RGBA", (size.width, size.height), self.color(kit, "background") + (255,))
        for index, layer in enumerate(size.layers):
            where = f"{template.slug}/{output.name} {size.label} layers[{index}] ({layer.type})"
            if "when" in layer.spec and not evaluate(layer.spec["when"], context, where=where):
                continue
            draw = getattr(self, f"_draw_{layer.type}")
            draw(canvas, layer.spec, kit=kit, template=template, context=context, logo=logo, where=where, warnings=warnings)
        out = io.BytesIO()
        image = canvas if output.format in ("png", "webp") else canvas.convert("RGB")
        if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
            image = image.convert("RGB")  # fully opaque: a quarter less data to filter and deflate
        image.save(out, **ENCODE_OPTIONS[output.format])
        return out.getvalue(), warnings

    def _draw_background(self, canvas: Image.Image, spec: dict[str, Any], *, kit: BrandKit, template: CampaignTemplate, **_: Any) -> None:
        if "image" in spec:
            path = (template.root / spec["image"]).resolve()
            canvas.paste(_background(path, template.version, canvas.width, canvas.height).convert("RGBA"))
        else:
            canvas.paste(self.color(kit, spec.get("color", "background")) + (255,), (0, 0, canvas.width, canvas.height))

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
            (x - left, y - top, x - left + w - 1, y - top + h - 1), radius=int(spec.get("radius", 0)), fill=self.color(kit, spec.get("color", "background")) + (alpha,)
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

    def _draw_partner_logo(self, canvas: Image.Image, spec: dict[str, Any], *, kit: BrandKit, context: dict[str, Any], logo: PreparedLogo | None, where: str, warnings: list[str], **_: Any) -> None:
        x, y, w, h = spec["box"]
        if logo is None:
            # No logo: the partner's name stands in its place, so the box is never empty.
            fallback = {**spec, "text": "{{ partner.name }}", "size": h * 0.5, "min_size": max(9, h * 0.15),
                        "weight": 700, "color": spec.get("color", "text"), "valign": "middle", "max_lines": None}  # fmt: skip
            self._draw_text(canvas, fallback, kit=kit, context=context, where=where, warnings=warnings)
            return
        _place(canvas, _draw_logo(logo, w, h), spec["box"], spec.get("align", "center"), spec.get("valign", "middle"))

    def _draw_text(self, canvas: Image.Image, spec: dict[str, Any], *, kit: BrandKit, context: dict[str, Any], where: str, warnings: list[str], **_: Any) -> None:
        text = render_text(spec["text"], context, where=where)
        x, y, w, h = spec["box"]
        weight = int(spec.get("weight", 400))
        font_path = kit.font_path(spec.get("font", kit.fonts[0].family), weight)
        line_height = float(spec.get("line_height", 1.2))
        fitted = fit_text(
            text,
            font_path=font_path,
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
        font = load_font(font_path, fitted.size)
        ascent, descent = font.getmetrics()
        line_box = fitted.size * line_height
        block = line_box * len(fitted.lines)
        valign = spec.get("valign", "top")
        top = {"top": y, "bottom": y + h - block}.get(valign, y + (h - block) / 2)
        draw = ImageDraw.Draw(canvas)
        color = self.color(kit, spec.get("color", "text"))
        align = spec.get("align", "left")
        for index, line in enumerate(fitted.lines):
            width = font.getlength(line)
            left = {"left": x, "right": x + w - width}.get(align, x + (w - width) / 2)
            baseline = top + index * line_box + (line_box - (ascent + descent)) / 2 + ascent
            draw.text((left, baseline), line, font=font, fill=color, anchor="ls")

    def _draw_qr(self, canvas: Image.Image, spec: dict[str, Any], *, kit: BrandKit, context: dict[str, Any], **_: Any) -> None:
        url = context["tracked_url"]
        if not url:
            return
        x, y, w, h = spec["box"]
        side = min(w, h)
        code = qr_image(url, side, color=kit.color(spec.get("color", "text")), background=kit.color(spec.get("background", "#FFFFFF")))
        _place(canvas, code.convert("RGBA"), spec["box"])

    def _draw_cta(self, canvas: Image.Image, spec: dict[str, Any], *, kit: BrandKit, context: dict[str, Any], where: str, warnings: list[str], **_: Any) -> None:
        x, y, w, h = spec["box"]
        self._draw_rect(canvas, {"box": spec["box"], "color": spec.get("fill", "accent"), "radius": spec.get("radius", h // 2)}, kit=kit)
        padding = max(8, h // 3)
        label = {**spec, "box": [x + padding, y, w - 2 * padding, h], "align": "center", "valign": "middle", "max_lines": 1}
        self._draw_text(canvas, label, kit=kit, context=context, where=where, warnings=warnings)
