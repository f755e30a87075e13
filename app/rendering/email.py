"""HTML e-mail: sandboxed Jinja2 MJML, compiled by mjml-python, every style inlined by css-inline.

The result is one .eml (multipart/alternative: plain text, then HTML) with the subject and
preheader from the template's copy. Images are absolute URLs under the campaign's
asset_base_url; their bytes are returned as public files for the caller to publish there.
Placeholders for the partner's own e-mail tool (`{{unsubscribe_url}}` …) pass through as text.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from email import policy
from email.message import EmailMessage
from email.utils import formataddr
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import css_inline
import mjml
from jinja2 import TemplateError, TemplateSyntaxError
from markupsafe import Markup

from app.errors import TemplateInvalid
from app.rendering.context import base_context, partner_context
from app.rendering.image import ImageRenderer
from app.rendering.jinja import html_environment, render_text
from app.rendering.logos import PreparedLogo
from app.rendering.model import (
    BrandKit,
    CampaignInput,
    CampaignTemplate,
    EmailOutput,
    ImageOutput,
    PartnerInput,
    PublicFile,
    RenderedFile,
)
from app.rendering.problems import inside

PLACEHOLDERS = ("unsubscribe_url", "view_in_browser_url", "first_name", "sender_address")
"""Merge tags left for the partner's e-mail tool, written `{{name}}` in the output (docs/formats.md)."""
WIDTH = 600
"""The e-mail body width in CSS pixels."""
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)
"""Inline every rule; only @media rules stay in a <style>. Nothing is fetched."""


def public_file(data: bytes, content_type: str) -> PublicFile:
    """A content-addressed public file: the same bytes always get the same name."""
    extension = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}[
        content_type
    ]
    return PublicFile(f"{hashlib.sha256(data).hexdigest()[:32]}.{extension}", data, content_type)


class EmailRenderer:
    """Renders e-mail outputs; the header image is drawn by the image renderer."""

    def __init__(self, image: ImageRenderer) -> None:
        self.image = image

    def render(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        output: EmailOutput,
        partner: PartnerInput,
        campaign: CampaignInput,
        logo: PreparedLogo | None,
    ) -> RenderedFile:
        base = campaign.asset_base_url.rstrip("/")
        if not re.match(r"^https?://", base):
            raise TemplateInvalid(
                f"{template.slug}/{output.name}: images need an absolute asset base URL, not {base!r}"
            )
        files: dict[str, PublicFile] = {}
        warnings: list[str] = []

        def publish(data: bytes, content_type: str) -> str:
            file = public_file(data, content_type)
            files[file.name] = file
            return f"{base}/{file.name}"

        header = None
        if output.header is not None:
            image_output = ImageOutput(f"{output.name}-header", "png", (output.header,))
            data, header_warnings = self.image.render(
                kit, template, image_output, output.header, partner, campaign, logo
            )
            warnings.extend(header_warnings)
            header = data
        context = email_context(kit, template, partner, campaign)
        context["header_url"] = publish(header, "image/png") if header else None

        def image(name: str) -> str:
            """A file of the template folder as a public URL (`{{ image("hero.jpg") }}`)."""
            path = inside(template.root, name)
            content_type = mimetypes.guess_type(name)[0]
            if (
                path is None
                or not path.is_file()
                or content_type not in ("image/png", "image/jpeg", "image/gif")
            ):
                raise TemplateInvalid(
                    f"{output.mjml.name}: image({name!r}) is not a PNG, JPEG or GIF in the template"
                )
            return publish(path.read_bytes(), content_type)

        context["image"] = image
        html = compile_mjml(_render(template, output.mjml, context))
        text = _render(template, output.text, context, html=False) if output.text else html_to_text(html)
        eml = build_eml(context["subject"], html, text, partner)
        return RenderedFile(
            output.name, eml, "message/rfc822", "eml", tuple(warnings), tuple(files.values()), preview=header
        )


def email_context(
    kit: BrandKit, template: CampaignTemplate, partner: PartnerInput, campaign: CampaignInput
) -> dict[str, Any]:
    """The template context: the common one, the e-mail short link, subject, preheader, placeholders."""
    context = base_context(kit, template, partner, campaign, "email")
    context["partner"] = partner_context(partner, None)
    where = f"{template.slug}: copy"
    context["subject"] = render_text(
        context["copy"].get("subject", ""), context, where=f"{where}.subject"
    ).strip()
    context["preheader"] = render_text(
        context["copy"].get("preheader", ""), context, where=f"{where}.preheader"
    ).strip()
    context["placeholders"] = {name: Markup(f"{{{{{name}}}}}") for name in PLACEHOLDERS}
    return context


def _render(template: CampaignTemplate, path: Path, context: dict[str, Any], *, html: bool = True) -> str:
    env = html_environment(template.root)
    name = path.relative_to(template.root).as_posix()
    try:
        if html:
            return env.get_template(name).render(context)
        return render_text(path.read_text("utf-8"), context, where=name)
    except TemplateSyntaxError as exc:
        raise TemplateInvalid(
            f"{exc.filename or path}:{exc.lineno}: Jinja syntax error: {exc.message}"
        ) from exc
    except TemplateError as exc:
        raise TemplateInvalid(f"{path}: {type(exc).__name__}: {exc}") from exc


def compile_mjml(source: str) -> str:
    """MJML to e-mail-safe HTML with every style inlined (a <style> remains for @media rules only)."""
    try:
        html = mjml.mjml2html(source)
    except Exception as exc:  # ok: the Rust engine raises its own error types; name the cause
        raise TemplateInvalid(f"MJML: {exc}") from exc
    return str(_INLINER.inline(html))


def build_eml(subject: str, html: str, text: str, partner: PartnerInput) -> bytes:
    """A draft .eml: From the partner, no recipient, text and HTML alternatives; byte-identical per input."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject
    if partner.email and "@" in partner.email:
        message["From"] = formataddr((partner.name, partner.email))
    message["X-Unsent"] = "1"  # mail programs open it as a draft to send
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    # The email package draws a random boundary; one from the content keeps files reproducible.
    message.set_boundary(f"cobrand-{hashlib.sha256((html + text).encode()).hexdigest()[:24]}")
    return message.as_bytes()


BLOCKS = {"p", "div", "tr", "table", "h1", "h2", "h3", "h4", "li", "br", "hr", "section"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.href: list[str | None] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "title", "head"):
            self.skip += 1
        if tag in BLOCKS:
            self.parts.append("\n")
        if tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title", "head"):
            self.skip = max(0, self.skip - 1)
        if tag == "a" and self.href:
            href = self.href.pop()
            if href and not href.startswith("mailto:"):
                self.parts.append(f" <{href}>")
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """A readable plain-text part from the HTML: block elements on their own lines, links in <>."""
    parser = _Text()
    parser.feed(re.sub(r"<!--.*?-->", "", html, flags=re.DOTALL))
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
