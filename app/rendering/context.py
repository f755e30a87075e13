"""The template context: what every renderer gives a template (copy, partner, links, disclaimer)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from app.errors import TemplateInvalid
from app.rendering.fonts import language_direction, text_direction
from app.rendering.links import display_url, tracked_url
from app.rendering.locale_format import address_lines, format_phone
from app.rendering.model import (
    BrandKit,
    CampaignInput,
    CampaignTemplate,
    PartnerInput,
    locale_chain,
)


def data_uri(data: bytes, media_type: str) -> str:
    """Bytes embedded in the context as a data: URI (logos, QR codes), so nothing is fetched."""
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
    """The partner as templates see it (labels, formatted phone and address, text direction)."""
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
