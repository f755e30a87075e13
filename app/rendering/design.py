"""Design templates: a designer's finished PDF or image, with only its zones drawn per partner.

PDF masters are never laid out or rewritten. Per partner the zones alone are laid out by
WeasyPrint on pages of the master's trim size (kit fonts, subset and embedded; QR codes as
vectors), and every page with zones is stamped onto the master as one PDF incremental
update (pdf_update.stamp_pages): a Form XObject clipped to that page's zones, drawn after the
master's own content, plus a URI link annotation per `link` zone. Outside the zones the
page is the master's, byte for byte up to the appended update.

Image masters are decoded once and each partner's zones composited onto a copy with Pillow.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from weasyprint import CSS, HTML

from app.errors import TemplateInvalid
from app.rendering.color import hex_to_rgb
from app.rendering.context import base_context, data_uri, partner_context
from app.rendering.fonts import FontStack
from app.rendering.image import ENCODE_OPTIONS, _draw_logo
from app.rendering.jinja import render_text
from app.rendering.logos import PreparedLogo, fit_size
from app.rendering.model import (
    BrandKit,
    CampaignInput,
    CampaignTemplate,
    DesignOutput,
    DesignZone,
    FontFile,
    PartnerInput,
)
from app.rendering.pdf import ForbiddenResource, PdfRenderer, QrImage, _BoundedCache, _font_face_css
from app.rendering.pdf_update import ForeignMaster, Placement, Rect, stamp_pages
from app.rendering.qr import qr_code, qr_image, qr_svg
from app.rendering.textfit import fit_text, load_font
from app.rendering.zones import page_box

PT_PER_MM = 72 / 25.4
MASTER_CACHE_SIZE = 16
"""Parsed PDF masters and decoded image masters kept per renderer (LRU)."""
CONTACT_SEPARATOR = " · "


@dataclass(frozen=True)
class ZoneText:
    """What a text zone shows once fitted: its lines at a size (points for PDF, px for images)."""

    lines: tuple[str, ...]
    size: float
    truncated: bool


def zone_font(kit: BrandKit, zone: DesignZone) -> FontFile:
    """The kit font a zone names (closest weight), or the kit's first family."""
    path = kit.font_path(zone.font or kit.fonts[0].family, zone.weight)
    return next(f for f in kit.fonts if f.path == path)


def zone_lines(zone: DesignZone, context: dict[str, Any], where: str) -> list[str]:
    """The text of a name, contact, text or link zone for one partner, one entry per line."""
    partner = context["partner"]
    if zone.kind == "name":
        return [partner["name"]]
    if zone.kind == "link":
        return [context["tracked_url_display"]] if context["tracked_url"] else []
    if zone.kind == "contact":
        values = {**partner, "website": partner["website_display"]}
        return [str(values[name]) for name in zone.fields if values.get(name)]
    return [render_text(zone.text, context, where=where)]


def fit_zone_text(lines: list[str], font_path: Path, zone: DesignZone, width: float, height: float,
                  scale: float) -> ZoneText:  # fmt: skip
    """Fit a zone's lines: shrink, then wrap, then ellipsis (sizes scaled from points by scale)."""
    max_size, min_size = zone.max_size_pt * scale, zone.min_size_pt * scale
    if len(lines) > 1:
        # Stacked lines (contacts) keep one item per line while that fits at some size.
        size = max_size
        while size >= min_size - 1e-6:
            font = load_font(font_path, size)
            if len(lines) * size * zone.line_height <= height + 1e-6 and all(
                font.getlength(line) <= width * 0.98 for line in lines
            ):
                return ZoneText(tuple(lines), size, False)
            size -= 0.5 * scale
    text = CONTACT_SEPARATOR.join(lines)
    fitted = fit_text(
        text, fonts=FontStack.single(font_path), width=width, height=height, max_size=max_size, min_size=min_size,
        line_height=zone.line_height,
    )  # fmt: skip
    return ZoneText(fitted.lines, fitted.size, fitted.truncated)


def _box_offset(
    align: str, valign: str, box: tuple[float, float], item: tuple[float, float]
) -> tuple[float, float]:
    """Where an item sits inside a box for an alignment: (left, top) from the box's corner."""
    left = {"left": 0.0, "right": box[0] - item[0]}.get(align, (box[0] - item[0]) / 2)
    top = {"top": 0.0, "bottom": box[1] - item[1]}.get(valign, (box[1] - item[1]) / 2)
    return left, top


class DesignRenderer:
    """Render design outputs; keep one per worker process (next to the PdfRenderer it shares)."""

    def __init__(self, pdf: PdfRenderer) -> None:
        self.pdf = pdf
        self._masters = _BoundedCache(MASTER_CACHE_SIZE)
        self._fonts = _BoundedCache(MASTER_CACHE_SIZE)

    def render(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        output: DesignOutput,
        partner: PartnerInput,
        campaign: CampaignInput,
        logo: PreparedLogo | None,
    ) -> tuple[bytes, list[str]]:
        """Render a design for one partner; returns the bytes and fit warnings."""
        context = self.context(kit, template, output, partner, campaign)
        warnings: list[str] = []
        if not output.zones:
            return output.master.read_bytes(), warnings  # nothing is co-branded yet: the master as it is
        if output.format == "pdf":
            return self._pdf(kit, template, output, context, logo, warnings), warnings
        return self._image(kit, template, output, context, logo, warnings), warnings

    def context(self, kit: BrandKit, template: CampaignTemplate, output: DesignOutput, partner: PartnerInput,
                campaign: CampaignInput) -> dict[str, Any]:  # fmt: skip
        """What the zones of a design show for one partner (the context every renderer builds)."""
        channel = "pdf" if output.format == "pdf" else "image"
        context = base_context(kit, template, partner, campaign, channel)
        context["partner"] = partner_context(partner, None)
        return context

    def zone_markup(self, kit: BrandKit, template: CampaignTemplate, output: DesignOutput, context: dict[str, Any],
                    logo: PreparedLogo | None, warnings: list[str]) -> list[str]:  # fmt: skip
        """Each zone of a PDF design as an absolutely placed HTML box, in mm from its page's corner."""
        texts = self._texts(kit, template, output, context, warnings, 1.0, PT_PER_MM)
        return [
            self._zone_html(kit, zone, texts.get(i), context, logo) for i, zone in enumerate(output.zones)
        ]

    def _where(self, template: CampaignTemplate, index: int, zone: DesignZone) -> str:
        return f"{template.root / 'template.toml'}: zones[{index}] ({zone.kind})"

    def _texts(self, kit: BrandKit, template: CampaignTemplate, output: DesignOutput, context: dict[str, Any],
               warnings: list[str], scale: float, unit_per_mm: float) -> dict[int, ZoneText]:  # fmt: skip
        """Every text zone fitted (logo zones without a logo show the partner's name)."""
        texts: dict[int, ZoneText] = {}
        for index, zone in enumerate(output.zones):
            if zone.kind == "logo" or zone.is_text:
                where = self._where(template, index, zone)
                lines = (
                    [context["partner"]["name"]] if zone.kind == "logo" else zone_lines(zone, context, where)
                )
                fitted = fit_zone_text(lines, zone_font(kit, zone).path, zone, zone.width_mm * unit_per_mm,
                                       zone.height_mm * unit_per_mm, scale)  # fmt: skip
                if fitted.truncated:
                    warnings.append(f"{where}: text overflows, cut to {' / '.join(fitted.lines)!r}")
                texts[index] = fitted
        return texts

    # --- PDF masters ---------------------------------------------------------------------------

    def master_pdf(self, output: DesignOutput, version: str) -> ForeignMaster:
        key = ("pdf", output.master, version)
        return self._masters.get_or_make(key, lambda: ForeignMaster.parse(output.master.read_bytes()))  # type: ignore[no-any-return]

    def _pdf(self, kit: BrandKit, template: CampaignTemplate, output: DesignOutput, context: dict[str, Any],
             logo: PreparedLogo | None, warnings: list[str]) -> bytes:  # fmt: skip
        master = self.master_pdf(output, template.version)
        markup = self.zone_markup(kit, template, output, context, logo, warnings)
        pages = sorted({zone.page for zone in output.zones})
        sections, placements = [], []
        for overlay_index, number in enumerate(pages):
            page = output.pages[number - 1]
            left, bottom, _, top = page_box(master.pages[number - 1].page)
            items, clips, links = [], [], []
            for index, zone in enumerate(output.zones):
                if zone.page != number:
                    continue
                items.append(markup[index])
                rect: Rect = (
                    left + zone.x_mm * PT_PER_MM,
                    top - (zone.y_mm + zone.height_mm) * PT_PER_MM,
                    left + (zone.x_mm + zone.width_mm) * PT_PER_MM,
                    top - zone.y_mm * PT_PER_MM,
                )
                clips.append(rect)
                if zone.kind == "link" and context["tracked_url"]:
                    links.append((rect, context["tracked_url"]))
            sections.append(
                f'<section style="page: p{number}; width: {page.width_mm}mm; height: {page.height_mm}mm">'
                + "".join(items)
                + "</section>"
            )
            placements.append(
                Placement(number - 1, overlay_index, (left, bottom), tuple(clips), tuple(links))
            )
        page_rules = "".join(
            f"@page p{n} {{ size: {output.pages[n - 1].width_mm}mm {output.pages[n - 1].height_mm}mm; margin: 0 }}"
            for n in pages
        )
        css = (
            f"{page_rules} html, body {{ margin: 0; background: none }} "
            "section { position: relative; overflow: hidden; break-after: page } "
            "section:last-child { break-after: auto } .z { position: absolute; overflow: hidden } "
            ".l { position: absolute; white-space: nowrap } img { position: absolute; display: block }"
        )
        document = self._layout(kit, template, f"<html><body>{''.join(sections)}</body></html>", css)
        out = io.BytesIO()
        document.write_pdf(out, pdf_identifier=b"cobrand", uncompressed_pdf=True)
        return stamp_pages(master, out.getvalue(), placements)

    def _layout(self, kit: BrandKit, template: CampaignTemplate, html: str, css: str) -> Any:
        fetcher = self.pdf.fetcher(kit, template)
        fonts = self._fonts.get_or_make(
            (kit.slug, kit.version),
            lambda: CSS(string=_font_face_css(kit), font_config=self.pdf.font_config, url_fetcher=fetcher),
        )
        try:
            return HTML(string=html, base_url=template.root.as_uri() + "/", url_fetcher=fetcher).render(
                font_config=self.pdf.font_config,
                stylesheets=[fonts, CSS(string=css)],
                cache=self.pdf.image_cache(),
            )
        except ForbiddenResource as exc:
            raise TemplateInvalid(f"{template.slug}: refers to {exc.url}: {exc.reason}") from exc

    def _zone_html(self, kit: BrandKit, zone: DesignZone, text: ZoneText | None, context: dict[str, Any],
                   logo: PreparedLogo | None) -> str:  # fmt: skip
        w, h = zone.width_mm, zone.height_mm
        style = f"left: {zone.x_mm}mm; top: {zone.y_mm}mm; width: {w}mm; height: {h}mm;"
        if zone.background:
            style += f" background: {kit.color(zone.background)};"
        inner = ""
        if zone.kind == "logo" and logo is not None:
            lw, lh = fit_size((logo.width, logo.height), (w, h), raster=False)
            if logo.kind == "png":  # 1 px = 1/96 in: a raster is never blown up more than 2×
                lw, lh = fit_size((logo.width * 25.4 / 96, logo.height * 25.4 / 96), (w, h), raster=True)
            x, y = _box_offset(zone.align, zone.valign, (w, h), (lw, lh))
            uri = data_uri(logo.data, logo.media_type)
            inner = f'<img src="{uri}" style="left: {x}mm; top: {y}mm; width: {lw}mm; height: {lh}mm">'
        elif zone.kind == "qr":
            url = context["qr_url"]
            if url:
                side = min(w, h)
                x, y = _box_offset(zone.align, zone.valign, (w, h), (side, side))
                inner = f'<img src="{self._qr(kit, zone, url)}" style="left: {x}mm; top: {y}mm; width: {side}mm; height: {side}mm">'
        elif text is not None and text.lines:
            font = zone_font(kit, zone)
            line = text.size * zone.line_height / PT_PER_MM
            block = line * len(text.lines)
            _, top = _box_offset(zone.align, zone.valign, (w, h), (w, block))
            color = kit.color(zone.color)
            inner = "".join(
                f'<div class="l" style="left: 0; width: {w}mm; top: {top + i * line}mm; text-align: {zone.align}; '
                f"font-family: '{font.family}'; font-weight: {font.weight}; font-style: {font.style}; "
                f'font-size: {text.size:g}pt; line-height: {line}mm; color: {color}">{escape(value)}</div>'
                for i, value in enumerate(text.lines)
            )
        return f'<div class="z" style="{style}">{inner}</div>'

    def _qr(self, kit: BrandKit, zone: DesignZone, url: str) -> str:
        code = qr_code(url)
        color = kit.color(zone.color)
        background = kit.color(zone.background or "#FFFFFF")
        uri = data_uri(qr_svg("", color=color, background=background, code=code), "image/svg+xml")
        self.pdf.register_qr(uri, lambda: QrImage(code, color, background))
        return uri

    # --- Image masters -------------------------------------------------------------------------

    def master_image(self, output: DesignOutput, version: str) -> Image.Image:
        def load() -> Image.Image:
            with Image.open(output.master) as image:
                image.load()
                return image.convert("RGBA")

        return self._masters.get_or_make(("image", output.master, version), load)  # type: ignore[no-any-return]

    def _image(self, kit: BrandKit, template: CampaignTemplate, output: DesignOutput, context: dict[str, Any],
               logo: PreparedLogo | None, warnings: list[str]) -> bytes:  # fmt: skip
        page = output.pages[0]
        px_per_mm = page.width_px / page.width_mm
        canvas = self.master_image(output, template.version).copy()
        texts = self._texts(kit, template, output, context, warnings, px_per_mm / PT_PER_MM, px_per_mm)
        draw = ImageDraw.Draw(canvas)
        for index, zone in enumerate(output.zones):
            x, y = round(zone.x_mm * px_per_mm), round(zone.y_mm * px_per_mm)
            w, h = max(1, round(zone.width_mm * px_per_mm)), max(1, round(zone.height_mm * px_per_mm))
            if zone.background:
                draw.rectangle((x, y, x + w - 1, y + h - 1), fill=hex_to_rgb(kit.color(zone.background)))
            if zone.kind == "logo" and logo is not None:
                item = _draw_logo(logo, w, h)
                ox, oy = _box_offset(zone.align, zone.valign, (w, h), item.size)
                canvas.alpha_composite(item, (x + round(ox), y + round(oy)))
            elif zone.kind == "qr" and context["qr_url"]:
                side = min(w, h)
                code = qr_image(context["qr_url"], side, color=kit.color(zone.color),
                                background=kit.color(zone.background or "#FFFFFF"))  # fmt: skip
                ox, oy = _box_offset(zone.align, zone.valign, (w, h), (side, side))
                canvas.alpha_composite(code.convert("RGBA"), (x + round(ox), y + round(oy)))
            elif index in texts:
                self._draw_lines(draw, kit, zone, texts[index], (x, y, w, h))
        image = canvas if output.format != "jpeg" else canvas.convert("RGB")
        if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, **ENCODE_OPTIONS[output.format])
        return out.getvalue()

    def _draw_lines(self, draw: ImageDraw.ImageDraw, kit: BrandKit, zone: DesignZone, text: ZoneText,
                    box: tuple[int, int, int, int]) -> None:  # fmt: skip
        x, y, w, h = box
        font = load_font(zone_font(kit, zone).path, text.size)
        ascent, descent = font.getmetrics()
        line = text.size * zone.line_height
        _, top = _box_offset(zone.align, zone.valign, (w, h), (w, line * len(text.lines)))
        for index, value in enumerate(text.lines):
            left, _ = _box_offset(zone.align, "top", (w, h), (font.getlength(value), 0))
            baseline = y + top + index * line + (line - (ascent + descent)) / 2 + ascent
            draw.text(
                (x + left, baseline), value, font=font, fill=hex_to_rgb(kit.color(zone.color)), anchor="ls"
            )


def page_image(output: DesignOutput, page: int, width_px: int) -> Image.Image:
    """A page of a design's master as an RGB image width_px wide (the trim box, for the zone editor)."""
    if output.format != "pdf":
        with Image.open(output.master) as image:
            image.load()
            flat = image.convert("RGB")
        flat.thumbnail((width_px, math.ceil(width_px * flat.height / flat.width)), Image.Resampling.LANCZOS)
        return flat
    import pypdfium2 as pdfium

    from app.rendering.thumbnails import PDFIUM_LOCK

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(output.master.read_bytes())
        try:
            pdf_page = pdf[page - 1]
            # Render the trim box only: zones are measured from its top-left corner.
            crop_left, crop_bottom, crop_right, crop_top = pdf_page.get_cropbox()
            trim = pdf_page.get_trimbox()
            crop = (trim[0] - crop_left, trim[1] - crop_bottom, crop_right - trim[2], crop_top - trim[3])
            scale = width_px / (trim[2] - trim[0])
            rendered: Image.Image = pdf_page.render(scale=scale, crop=crop).to_pil().convert("RGB")
            pdf_page.close()
        finally:
            pdf.close()
    return rendered
