"""Co-branding rules shared by both renderers: links, QR codes, logo variants, copy, context."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import segno
from PIL import Image

from app.errors import TemplateInvalid
from app.rendering.fonts import language_direction, text_direction
from app.rendering.locale_format import address_lines, format_phone
from app.rendering.model import (
    BrandKit,
    CampaignInput,
    CampaignTemplate,
    PartnerInput,
    locale_chain,
)


def tracked_url(partner: PartnerInput, campaign: CampaignInput, channel: str | None = None) -> str:
    """The campaign landing URL (or the partner's website) tagged with UTM parameters.

    With a channel (a short link's target), utm_medium names the channel and utm_content the
    partner type; without one, utm_medium is the partner type.
    """
    base = campaign.landing_url or partner.website
    if not base:
        return ""
    if "://" not in base:
        base = f"https://{base}"
    parts = urlsplit(base)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    medium = channel or partner.type
    query += [("utm_source", partner.slug), ("utm_medium", medium), ("utm_campaign", campaign.slug)]
    if channel:
        query.append(("utm_content", partner.type))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def display_url(url: str) -> str:
    """A URL as printed on paper: no scheme."""
    return url.split("://", 1)[-1]


QR_BORDER = 2
"""Quiet zone around a QR code, in modules."""


def qr_code(url: str) -> segno.QRCode:
    """The QR code of url (error correction M), as every renderer draws it."""
    return segno.make(url, error="m", micro=False)


def qr_svg(
    url: str, *, color: str = "#000000", background: str | None = "#FFFFFF", code: segno.QRCode | None = None
) -> bytes:
    """A vector QR code (SVG) of url, with its quiet zone (code: url's qr_code, if already made)."""
    out = io.BytesIO()
    (code or qr_code(url)).save(
        out, kind="svg", border=QR_BORDER, dark=color, light=background, xmldecl=False, svgns=True, nl=False
    )
    return out.getvalue()


def qr_image(url: str, size: int, *, color: str = "#000000", background: str = "#FFFFFF") -> Image.Image:
    """A QR code of url as a size×size image with crisp, whole-pixel modules where possible."""
    code = segno.make(url, error="m", micro=False)
    border = 2
    modules = int(code.symbol_size(scale=1, border=border)[0])
    small = Image.new("RGB", (modules, modules), background)
    pixels = small.load()
    assert pixels is not None
    dark = hex_to_rgb(color) if color.startswith("#") else (0, 0, 0)
    for y, row in enumerate(code.matrix):
        for x, bit in enumerate(row):
            if bit:
                pixels[x + border, y + border] = dark
    return small.resize((size, size), Image.Resampling.NEAREST)


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white)."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


DARK_BACKGROUND_LUMINANCE = 0.179
"""Below this, white contrasts more than black (WCAG contrast ratios are equal here)."""


def brand_logo_variant(background: tuple[int, int, int]) -> str:
    """The brand logo for a background: on_dark where light artwork contrasts more, else primary."""
    return "on_dark" if relative_luminance(background) < DARK_BACKGROUND_LUMINANCE else "primary"


def data_uri(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


@dataclass(frozen=True)
class Copy:
    """Locked copy with campaign overrides, and partner-editable fields with defaults."""

    copy: dict[str, str]
    fields: dict[str, str]


def resolve_copy(template: CampaignTemplate, campaign: CampaignInput) -> Copy:
    """The copy in the campaign's locale (campaign overrides apply to the template's own locale)."""
    copy = template.localized_copy(campaign.locale)
    if template.copy_locale(campaign.locale) == template.locale:
        copy.update({k: v for k, v in campaign.copy_overrides.items() if k in template.copy})
    defaults = template.localized_field_defaults(campaign.locale)
    fields = {}
    for key, spec in template.editable_fields.items():
        value = campaign.field_values.get(key, defaults[key])
        if len(value) > spec.max_length:
            raise TemplateInvalid(
                f"field {key!r}: {len(value)} characters, over the limit of {spec.max_length}"
            )
        fields[key] = value
    return Copy(copy, fields)


def partner_context(partner: PartnerInput, logo_url: str | None) -> dict[str, Any]:
    return {
        "slug": partner.slug,
        "name": partner.name,
        "type": partner.type,
        "type_label": partner.labels.get("type", partner.type),
        "tier": partner.tier,
        "tier_label": partner.labels.get("tier", partner.tier),
        "region": partner.region,
        "region_label": partner.labels.get("region", partner.region),
        "attributes": dict(partner.attributes),
        "country": partner.country,
        "locale": partner.locale,
        "website": partner.website,
        "website_display": display_url(partner.website).rstrip("/"),
        "email": partner.email,
        "phone": format_phone(partner.phone, partner.country),
        "phone_raw": partner.phone,
        "address": partner.address,
        "address_lines": address_lines(partner.address, partner.country),
        "dir": text_direction(partner.name, language_direction(partner.locale)),
        "logo": logo_url,
        "custom": dict(partner.custom),
    }


def base_context(
    kit: BrandKit, template: CampaignTemplate, partner: PartnerInput, campaign: CampaignInput, channel: str
) -> dict[str, Any]:
    """The context every renderer gives templates (logo URLs are added by each renderer).

    tracked_url is the partner's short link for the channel (pdf, image, email, social) and
    qr_url the one QR codes carry; both fall back to the tagged landing URL.
    """
    url = campaign.links.get(channel) or tracked_url(partner, campaign)
    qr_url = campaign.links.get("qr") or url
    copy = resolve_copy(template, campaign)
    lang = document_locale(template, campaign.locale)
    return {
        "lang": lang,
        "dir": language_direction(lang),
        "brand": {"name": kit.name, "colors": dict(kit.colors)},
        "campaign": {"slug": campaign.slug, "title": campaign.title or template.title},
        "template": {"slug": template.slug, "title": template.title},
        "tracked_url": url,
        "tracked_url_display": display_url(url),
        "qr_url": qr_url,
        "copy": copy.copy,
        "fields": copy.fields,
        "disclaimer": kit.disclaimer_for(partner.region, partner.country, campaign.locale),
    }


def document_locale(template: CampaignTemplate, locale: str) -> str:
    """The language of the rendered copy: the locale itself when its copy (or a parent's) exists."""
    return locale if locale and template.copy_locale(locale) in locale_chain(locale) else template.locale
