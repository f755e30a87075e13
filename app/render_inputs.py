"""Render inputs from database rows: a partner, a campaign and its links as the renderer sees them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.config import Settings
from app.links import ensure_links, link_urls
from app.models import Campaign, Partner
from app.rendering.model import CampaignInput, PartnerInput
from app.rendering.program import DIMENSIONS, PartnerProgram
from app.services import Services


def partner_input(
    services: Services, partner: Partner, *, with_logo: bool = True, program: PartnerProgram | None = None
) -> PartnerInput:
    """The renderer's view of a partner; with_logo=False skips reading the logo (enough for fingerprints)."""
    logo = services.storage.open(partner.logo_key) if (with_logo and partner.logo_key) else None
    program = program or services.content.program()
    return PartnerInput(
        slug=partner.slug,
        name=partner.name,
        type=partner.type,
        tier=partner.tier,
        region=partner.region,
        country=partner.country,
        locale=partner.locale,
        website=partner.website,
        email=partner.email,
        phone=partner.phone,
        address=partner.address,
        logo=logo,
        custom={str(k): str(v) for k, v in (partner.custom_fields or {}).items()},
        attributes=dict(partner.attributes or {}),
        labels={d: program.label(d, getattr(partner, d)) for d in DIMENSIONS},
        logo_sha256=partner.logo_sha256 if partner.logo_key else None,
    )


def campaign_input(
    campaign: Campaign,
    field_values: dict[str, str] | None = None,
    links: dict[str, str] | None = None,
    *,
    asset_base_url: str = "",
    locale: str = "",
) -> CampaignInput:
    """The renderer's view of a campaign for one partner (links: its short URL per channel; locale:
    the one its assets are in, see app.locales.partner_locale)."""
    return CampaignInput(
        slug=campaign.slug,
        title=campaign.title,
        locale=locale,
        landing_url=campaign.landing_url,
        copy_overrides=dict((campaign.overrides or {}).get("copy", {})),
        field_values=dict(field_values or {}),
        links=dict(links or {}),
        asset_base_url=asset_base_url,
    )


def public_asset_base(config: Settings) -> str:
    """Where public files (e-mail images) are reached: PUBLIC_ASSET_BASE_URL, or this app's /public."""
    return config.PUBLIC_ASSET_BASE_URL or f"{config.PUBLIC_BASE_URL}/public"


def partner_links(services: Services, session: Session, campaign_id: int, partner_id: int) -> dict[str, str]:
    """A partner's short URL per channel for a campaign, made on first use."""
    return link_urls(services.config, ensure_links(session, campaign_id, [partner_id]).get(partner_id, {}))
