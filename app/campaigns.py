"""Campaigns: create, update, archive, audience counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import approvals
from app.audience import eligible_count as count_eligible
from app.errors import InvalidInput
from app.models import Campaign, CampaignStatus
from app.rendering.audience import parse_audience
from app.rendering.model import CampaignTemplate, locale_chain, normalize_locale
from app.rendering.problems import SLUG
from app.rendering.program import PartnerProgram
from app.services import Services


def clean_audience(audience: dict[str, Any] | None, program: PartnerProgram) -> dict[str, Any]:
    """An audience's rules checked against the partner program, values stored by slug."""
    parsed, problems = parse_audience(audience or {}, program)
    if problems:
        raise InvalidInput("; ".join(problems))
    return parsed.to_dict()


def _landing_url(value: str) -> str:
    value = (value or "").strip()
    if value and not value.startswith(("https://", "http://")):
        raise InvalidInput(f"landing_url: {value!r} must start with https:// or http://")
    if len(value) > 1000:
        raise InvalidInput("landing_url: over 1000 characters")
    return value


def save_campaign(
    services: Services, data: dict[str, Any], *, campaign_id: int | None = None
) -> tuple[Campaign, bool]:
    """Create a campaign, or update one (by id, else by slug); returns (campaign, created)."""
    with services.db.session() as session:
        campaign = session.get(Campaign, campaign_id) if campaign_id else None
        if campaign is None and data.get("slug"):
            campaign = session.scalar(select(Campaign).where(Campaign.slug == data["slug"]))
        created = campaign is None
        if created:
            slug = str(data.get("slug") or "").strip()
            if not SLUG.match(slug) or len(slug) > 64:
                raise InvalidInput(f"slug: {slug!r} must be lowercase letters, digits and dashes (max 64)")
            if not data.get("template") or not data.get("brand_kit"):
                raise InvalidInput("template and brand_kit are required")
            campaign = Campaign(slug=slug, template_slug="", brand_kit_slug="")
            session.add(campaign)
        assert campaign is not None
        if "template" in data and data["template"]:
            services.content.template(str(data["template"]))  # raises TemplateInvalid if unknown
            campaign.template_slug = str(data["template"])
        if "brand_kit" in data and data["brand_kit"]:
            services.content.brand_kit(str(data["brand_kit"]))
            campaign.brand_kit_slug = str(data["brand_kit"])
        if "title" in data:
            campaign.title = str(data["title"] or "")[:200]
        if "audience" in data:
            campaign.audience = clean_audience(data["audience"], services.content.program())
        if "landing_url" in data:
            campaign.landing_url = _landing_url(str(data["landing_url"] or ""))
        if "locales" in data:
            campaign.locales = clean_locales(
                data["locales"], services.content.template(campaign.template_slug)
            )
        if "overrides" in data:
            if not isinstance(data["overrides"], dict):
                raise InvalidInput('overrides: must be an object like {"copy": {"headline": "..."}}')
            campaign.overrides = data["overrides"]
        for key in ("starts_at", "ends_at"):
            if key in data:
                setattr(campaign, key, _datetime(data[key], key))
        if campaign.starts_at and campaign.ends_at and campaign.ends_at <= campaign.starts_at:
            raise InvalidInput("ends_at: must be after starts_at")
        if "approval_required" in data:
            campaign.approval_required = bool(data["approval_required"])
        approvals.reset_if_changed(session, campaign)
        session.flush()
        return campaign, created


def clean_locales(value: Any, template: CampaignTemplate) -> list[str]:
    """The locales a campaign publishes: BCP 47 tags the template has copy for (or a parent of)."""
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise InvalidInput('locales: must be a list like ["en", "de", "ja"]')
    locales = list(dict.fromkeys(normalize_locale(x) for x in items if x.strip()))
    unknown = [
        x
        for x in locales
        if template.copy_locale(x) == template.locale and template.locale not in locale_chain(x)
    ]
    if unknown:
        raise InvalidInput(
            f"locales: template {template.slug!r} has no copy in {', '.join(unknown)} "
            f"(it has {', '.join(template.locales)})"
        )
    return locales


def _datetime(value: Any, key: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{key}: {value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def archive_campaign(services: Services, campaign_id: int) -> Campaign:
    with services.db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise InvalidInput(f"campaign {campaign_id} not found")
        campaign.status = CampaignStatus.ARCHIVED
        return campaign


def eligible_count(services: Services, session: Session, campaign: Campaign) -> int:
    """How many partners a campaign reaches now (its template's audience and its own)."""
    template = services.content.template(campaign.template_slug)
    return count_eligible(session, campaign, template, services.content.program())
