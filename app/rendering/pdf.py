"""PDF outputs: sandboxed Jinja2 HTML laid out by WeasyPrint.

One PdfRenderer lives as long as its worker: it shares a FontConfiguration and keeps
pre-parsed stylesheets per kit and template version, which is where most of a naive
render's time goes. Every resource WeasyPrint asks for goes through a fetcher that serves
only files inside the brand kit, the template and the allowed extra folders.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pydyf
from jinja2 import TemplateError, TemplateSyntaxError
from markupsafe import Markup, escape
from PIL import Image, ImageFile
from weasyprint import CSS, DEFAULT_OPTIONS, HTML
from weasyprint.images import RasterImage
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from app.errors import RenderFailed, TemplateInvalid
from app.rendering.color import hex_to_rgb
from app.rendering.context import base_context, data_uri, partner_context
from app.rendering.fonts import font_stack, language_direction, text_direction
from app.rendering.jinja import html_environment
from app.rendering.logos import PreparedLogo
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PartnerInput, PdfOutput
from app.rendering.qr import QR_BORDER, qr_code, qr_svg
from app.rendering.textfit import fit_text

# WeasyPrint switches on lenient decoding of truncated images for the whole process; Cobrand
# validates partners' logos with Pillow and wants a truncated file to be refused, not padded.
ImageFile.LOAD_TRUNCATED_IMAGES = False

MIME_TYPES = {
    ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg", ".webp": "image/webp", ".gif": "image/gif", ".otf": "font/otf",
    ".ttf": "font/ttf", ".woff": "font/woff", ".woff2": "font/woff2",
}  # fmt: skip
PDF_VARIANT = "pdf/ua-1"
"""Tagged PDF (structure, alt text, /Lang, title shown): PDF/UA-1 as WeasyPrint writes it."""
CACHE_SIZE = 16
"""Kit and template stylesheets kept parsed per renderer (LRU)."""
QR_CACHE_SIZE = 64
"""QR codes kept drawable per renderer (LRU): the ones of the renders in progress, which for a
batch of zones (zone_batch.py) is every partner of the batch (PUBLISH_BATCH_SIZE, 25 by default).
A code that has left the cache is still drawn right, from its SVG, only more slowly."""
LOGO_IMAGE_CACHE_SIZE = 32
"""Partner raster logos kept loaded, with their PDF image streams, per renderer (LRU)."""


class ForbiddenResource(FatalURLFetchingError):  # type: ignore[misc]  # WeasyPrint is untyped
    """A template asked for something outside its allowed folders; stops the render."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class ConfinedFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
    """Serve data: URIs and files inside the allowed folders; refuse everything else."""

    def __init__(self, roots: tuple[Path, ...]) -> None:
        super().__init__(allowed_protocols=("data", "file"))
        self._roots = tuple(root.resolve() for root in roots)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ForbiddenResource(url, "network access is not allowed in templates")
        raw_path = unquote(urlsplit(url).path)
        if ".." in Path(raw_path).parts:
            raise ForbiddenResource(url, "'..' is not allowed in template paths")
        path = Path(raw_path).resolve()
        if not any(path.is_relative_to(root) for root in self._roots):
            raise ForbiddenResource(url, "only files inside the brand kit and the template may be used")
        if not path.is_file():
            raise ForbiddenResource(url, "file not found")
        media_type = MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})


class _BoundedCache(OrderedDict[Any, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or_make(self, key: Any, make: Callable[[], Any]) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        while len(self) > self.size:
            self.popitem(last=False)
        return value


def _page_css(output: PdfOutput) -> str:
    rules = [f"size: {output.page_size}"]
    if output.bleed_mm:
        rules.append(f"bleed: {output.bleed_mm}mm")
    if output.crop_marks:
        rules.append("marks: crop")
    return "@page { " + "; ".join(rules) + " }"


def _font_face_css(kit: BrandKit) -> str:
    return "\n".join(
        f'@font-face {{ font-family: "{font.family}"; src: url("{font.path.as_uri()}"); '
        f"font-weight: {font.weight}; font-style: {font.style}; }}"
        for font in kit.fonts
    )


_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
_LANG_DIR = re.compile(r"""\s(?:lang|dir)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def set_document_language(html: str, lang: str, direction: str) -> str:
    """Give the <html> element the copy's language and direction, whatever the template wrote.

    WeasyPrint takes the PDF's /Lang from it, and Pango picks Japanese, Korean or Chinese
    glyph forms by it; `dir` lays the page out right to left for Arabic and Hebrew.
    """

    def replace(match: re.Match[str]) -> str:
        tag = _LANG_DIR.sub("", match.group(0))
        return f'{tag[:5]} lang="{escape(lang)}" dir="{escape(direction)}"{tag[5:]}'

    html, count = _HTML_TAG.subn(replace, html, count=1)
    return html if count else f'<html lang="{escape(lang)}" dir="{escape(direction)}">{html}</html>'


def logo_style(logo: PreparedLogo) -> str:
    """CSS that keeps a raster logo from being blown up more than 2× (1 px = 1/96 in)."""
    if logo.kind == "svg":
        return ""
    return f"max-width: {logo.width * 2}px; max-height: {logo.height * 2}px;"


class QrImage:
    """A QR code drawn by us into WeasyPrint's page stream, in place of its SVG.

    The template gets the QR code as an SVG data URI (``qr_svg``), which any WeasyPrint draws;
    ours is handed this object for that URI through its image cache, so WeasyPrint lays the
    image out as it would the SVG (same intrinsic size, same box) and calls ``draw``, which
    writes what the SVG describes (the light square, one stroked 1-module line per dark run,
    scaled from the modules to the box) without WeasyPrint parsing the SVG's long path. It is
    vector, the same size, position and colours.
    """

    def __init__(self, code: Any, color: str, background: str) -> None:
        modules = code.symbol_size(scale=1, border=QR_BORDER)[0]
        self.modules = modules
        self.color = tuple(round(c / 255, 6) for c in hex_to_rgb(color))
        self.background = tuple(round(c / 255, 6) for c in hex_to_rgb(background))
        lines = []
        for y, row in enumerate(code.matrix):
            x, width = 0, len(row)
            while x < width:
                if row[x]:
                    start = x
                    while x < width and row[x]:
                        x += 1
                    yc = y + QR_BORDER + 0.5
                    lines.append(b"%d %g m %d %g l" % (start + QR_BORDER, yc, x + QR_BORDER, yc))
                else:
                    x += 1
        self.path = b"\n".join(lines)

    def get_intrinsic_size(self, resolution: float, font_size: float) -> tuple[float, float, float]:
        return self.modules, self.modules, 1

    def draw(self, stream: Any, concrete_width: float, concrete_height: float, style: Any) -> None:
        stream.push_state()
        stream.transform(concrete_width / self.modules, 0, 0, concrete_height / self.modules, 0, 0)
        stream.set_color_rgb(*self.background)
        stream.rectangle(0, 0, self.modules, self.modules)
        stream.fill()
        stream.set_color_rgb(*self.color, stroke=True)
        stream.set_line_width(1)
        stream.stream.append(self.path)
        stream.stroke()
        stream.pop_state()


class LogoImage(RasterImage):  # type: ignore[misc]  # WeasyPrint is untyped
    """A prepared raster logo as WeasyPrint loads it, kept across renders with its PDF streams.

    WeasyPrint decodes a PNG, splits off its alpha channel and encodes both again every time it
    writes the image into a PDF. The logo's data URI is handed this object through the image
    cache (as the QR codes are), built as WeasyPrint builds it for that URI with the options
    Cobrand renders with (WeasyPrint's defaults), so it draws the same image under the same
    name; its streams are made on the first write and copied for the next ones (WeasyPrint
    replaces entries of the streams it is given when it writes them).
    """

    def __init__(self, uri: str, data: bytes) -> None:
        with Image.open(io.BytesIO(data)) as pillow_image:
            pillow_image.load()
            image_id = hashlib.md5(uri.encode(), usedforsecurity=False).hexdigest()
            super().__init__(pillow_image, image_id, data, None, {}, "from-image", DEFAULT_OPTIONS)
        self._x_objects: dict[tuple[bool, float], Any] = {}

    def get_x_object(self, interpolate: bool, dpi_ratio: float) -> Any:
        key = (interpolate, dpi_ratio)
        if key not in self._x_objects:
            self._x_objects[key] = super().get_x_object(interpolate, dpi_ratio)
        return _copy_stream(self._x_objects[key])


def _copy_stream(stream: Any) -> Any:
    extra = pydyf.Dictionary(stream.extra)
    if isinstance(extra.get("SMask"), pydyf.Stream):
        extra["SMask"] = _copy_stream(extra["SMask"])
    return pydyf.Stream(list(stream.stream), extra, stream.compress)


class PdfRenderer:
    """Render PDF outputs; keep one per worker process."""

    def __init__(self, extra_roots: tuple[Path, ...] = ()) -> None:
        self.font_config = FontConfiguration()
        self.extra_roots = extra_roots
        self._stylesheets = _BoundedCache(CACHE_SIZE)
        self._qr_images = _BoundedCache(QR_CACHE_SIZE)
        self._logo_images = _BoundedCache(LOGO_IMAGE_CACHE_SIZE)
        # WeasyPrint logs every refused or broken resource; we raise instead, so keep its log quiet.
        logging.getLogger("weasyprint").setLevel(logging.ERROR)

    def fetcher(self, kit: BrandKit, template: CampaignTemplate) -> ConfinedFetcher:
        return ConfinedFetcher((template.root, kit.root, *self.extra_roots))

    def register_qr(self, uri: str, make: Callable[[], QrImage]) -> None:
        """Have the next renders draw the QR code of this data URI themselves (see QrImage)."""
        self._qr_images.get_or_make(uri, make)

    def image_cache(self) -> dict[str, Any]:
        """A fresh WeasyPrint image cache for one render, holding the QR codes we draw ourselves
        and the partner logos already loaded."""
        return {**self._logo_images, **self._qr_images}

    def stylesheets(self, kit: BrandKit, template: CampaignTemplate, output: PdfOutput) -> list[CSS]:
        """Kit fonts, page setup and the template's CSS, parsed once per version."""

        def make() -> list[CSS]:
            fetcher = self.fetcher(kit, template)
            sheets = [CSS(string=_font_face_css(kit), font_config=self.font_config, url_fetcher=fetcher)]
            for path in output.css:
                try:
                    sheets.append(CSS(filename=str(path), font_config=self.font_config, url_fetcher=fetcher))
                except ForbiddenResource as exc:
                    raise TemplateInvalid(f"{path}: {exc.url}: {exc.reason}") from exc
            # Last, so the manifest's page size, bleed and marks win over the template's CSS.
            sheets.append(CSS(string=_page_css(output)))
            return sheets

        key = (kit.slug, kit.version, template.slug, template.version, output.name)
        return self._stylesheets.get_or_make(key, make)  # type: ignore[no-any-return]

    def context(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        output: PdfOutput,
        partner: PartnerInput,
        campaign: CampaignInput,
        logo: PreparedLogo | None,
        warnings: list[str],
    ) -> dict[str, Any]:
        context = base_context(kit, template, partner, campaign, "pdf")
        context["brand"].update(
            logo=kit.logos["primary"].as_uri(),
            logo_on_dark=kit.logos["on_dark"].as_uri(),
            mark=kit.logos["mark"].as_uri(),
            font_faces=Markup("/* brand fonts are loaded automatically */"),
        )
        logo_uri = data_uri(logo.data, logo.media_type) if logo else None
        if logo is not None and logo.kind == "png" and logo_uri is not None:
            data = logo.data
            self._logo_images.get_or_make(logo_uri, lambda: LogoImage(logo_uri, data))
        context["partner"] = partner_context(partner, logo_uri)
        context["partner"]["logo_style"] = logo_style(logo) if logo else ""
        code = qr_code(context["qr_url"])
        color, background = kit.colors["text"], "#FFFFFF"
        context["qr"] = data_uri(qr_svg("", color=color, background=background, code=code), "image/svg+xml")
        self._qr_images.get_or_make(context["qr"], lambda: QrImage(code, color, background))

        def fit(text: str, box_name: str) -> Markup:
            box = output.text_boxes.get(box_name)
            if box is None:
                raise TemplateInvalid(f"{output.html}: fit({box_name!r}): no such entry in text_boxes")
            fonts = font_stack(kit, box.font, box.weight, context["lang"])
            fitted = fit_text(
                text,
                fonts=fonts,
                width=box.width,
                height=box.height,
                max_size=box.max_size,
                min_size=box.min_size,
                line_height=box.line_height,
                max_lines=box.max_lines,
                wrap_first=box.wrap_first,
            )
            if fitted.truncated:
                warnings.append(
                    f"{output.html}: text_boxes.{box_name}: text overflows, cut to {' / '.join(fitted.lines)!r}"
                )
            lines = Markup("<br>").join(escape(line) for line in fitted.lines)
            # The faces the fit measured with, in the same order, so WeasyPrint draws what was measured.
            families = dict.fromkeys(
                [box.font, *(run.face.family for line in fitted.lines for run in fonts.runs(line))]
            )
            family_css = ",".join(f"'{family}'" for family in families)
            style = (
                f"display:block;white-space:nowrap;font-family:{family_css};font-weight:{box.weight};"
                f"font-size:{fitted.size:g}pt;line-height:{box.line_height:g}"
            )
            direction = text_direction(text, language_direction(context["lang"]))
            if direction == "rtl":
                # Right-to-left text fills its box (a flex item would shrink to the text and sit
                # at the start of an LTR row), so it starts on the right, whatever the page's direction.
                style += f";width:{box.width:g}pt;max-width:100%"
            return Markup(f'<span class="fit" dir="{direction}" style="{style}">') + lines + Markup("</span>")

        context["_fit"] = fit
        return context

    def render_html(self, output: PdfOutput, template: CampaignTemplate, context: dict[str, Any]) -> str:
        env = html_environment(template.root)
        try:
            html = env.get_template(output.html.relative_to(template.root).as_posix()).render(context)
            return set_document_language(html, context["lang"], context["dir"])
        except TemplateSyntaxError as exc:
            raise TemplateInvalid(
                f"{exc.filename or output.html}:{exc.lineno}: Jinja syntax error: {exc.message}"
            ) from exc
        except TemplateError as exc:
            raise TemplateInvalid(f"{output.html}: {type(exc).__name__}: {exc}") from exc

    def write(
        self, html: str, kit: BrandKit, template: CampaignTemplate, output: PdfOutput
    ) -> tuple[bytes, int]:
        """Lay out HTML and write the PDF; returns the bytes and the page count."""
        fetcher = self.fetcher(kit, template)
        try:
            document = HTML(string=html, base_url=template.root.as_uri() + "/", url_fetcher=fetcher).render(
                font_config=self.font_config,
                stylesheets=self.stylesheets(kit, template, output),
                cache=self.image_cache(),
            )
            out = io.BytesIO()
            # A fixed identifier keeps PDFs byte-identical for identical inputs.
            document.write_pdf(out, pdf_identifier=b"cobrand", pdf_variant=PDF_VARIANT)
        except ForbiddenResource as exc:
            raise TemplateInvalid(f"{output.html}: refers to {exc.url}: {exc.reason}") from exc
        return out.getvalue(), len(document.pages)

    def render(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        output: PdfOutput,
        partner: PartnerInput,
        campaign: CampaignInput,
        logo: PreparedLogo | None,
    ) -> tuple[bytes, list[str]]:
        """Render one PDF output for one partner; returns the bytes and fit warnings."""
        warnings: list[str] = []
        html = self.render_html(
            output, template, self.context(kit, template, output, partner, campaign, logo, warnings)
        )
        data, pages = self.write(html, kit, template, output)
        if pages != output.pages:
            raise RenderFailed(
                f"{template.slug}/{output.name} for {partner.slug}: content overflows to {pages} pages, "
                f"the template declares {output.pages}"
            )
        return data, warnings
