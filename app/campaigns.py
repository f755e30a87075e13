"""Campaigns: create, update, archive, audience counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import approvals
from app.audience import eligible_count as count_eligible
from app.errors import CampaignNotFound, InvalidInput
from app.models import Campaign, CampaignStatus
from app.rendering.audience import parse_audience
from app.rendering.model import CampaignTemplate, locale_chain, normalize_locale
from app.rendering.program import PartnerProgram
from app.schemas import SchemaInvalid, validate
from app.schemas.campaigns import CampaignCreate, CampaignUpdate
from app.services import Services


def clean_audience(audience: dict[str, Any] | None, program: PartnerProgram) -> dict[str, Any]:
    """An audience's rules checked against the partner program, values stored by slug."""
    parsed, problems = parse_audience(audience or {}, program)
    if problems:
        raise InvalidInput("; ".join(problems))
    return parsed.to_dict()


CampaignInput = dict[str, Any] | CampaignUpdate
"""Campaign fields as given (validated here) or already validated by their schema."""


def save_campaign(
    services: Services, data: CampaignInput, *, campaign_id: int | None = None
) -> tuple[Campaign, bool]:
    """Create a campaign, or update one (by id, else by slug); returns (campaign, created).

    Fields are checked by app/schemas/campaigns.py; here, that the template and brand kit exist and
    that the template has copy in the locales asked for.
    """
    with services.db.session() as session:
        campaign = session.get(Campaign, campaign_id) if campaign_id else None
        slug = data.get("slug") if isinstance(data, dict) else getattr(data, "slug", None)
        if campaign is None and slug:
            campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
        created = campaign is None
        if isinstance(data, CampaignUpdate):
            fields = data
        else:
            model = CampaignCreate if created else CampaignUpdate
            fields = validate(model, {k: v for k, v in data.items() if created or k != "slug"},
                              services.content.program())  # fmt: skip
        if created and not isinstance(fields, CampaignCreate):
            raise InvalidInput("slug, template and brand_kit are required to create a campaign")
        values = fields.values()
        if created:
            campaign = Campaign(slug=values["slug"], template_slug="", brand_kit_slug="")
            session.add(campaign)
        assert campaign is not None
        if values.get("template"):
            services.content.template(values["template"])  # raises TemplateInvalid if unknown
            campaign.template_slug = values["template"]
        if values.get("brand_kit"):
            services.content.brand_kit(values["brand_kit"])
            campaign.brand_kit_slug = values["brand_kit"]
        for key in ("title", "landing_url"):
            if key in values:
                setattr(campaign, key, values[key] or "")
        for key in ("audience", "overrides"):
            if key in values:
                setattr(campaign, key, values[key] or {})
        if "locales" in values:
            campaign.locales = clean_locales(
                values["locales"], services.content.template(campaign.template_slug)
            )
        for key in ("starts_at", "ends_at"):
            if key in values:
                setattr(campaign, key, values[key])
        if campaign.starts_at and campaign.ends_at and _utc(campaign.ends_at) <= _utc(campaign.starts_at):
            raise SchemaInvalid({"ends_at": "must be after starts_at"})
        if "approval_required" in values:
            campaign.approval_required = bool(values["approval_required"])
        approvals.reset_if_changed(session, campaign)
        session.flush()
        return campaign, created


def _utc(value: datetime) -> datetime:
    # SQLite gives back naive date-times; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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


def get_campaign(session: Session, slug: str) -> Campaign:
    """A campaign by slug, or CampaignNotFound naming the known ones."""
    campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        known = ", ".join(session.scalars(select(Campaign.slug).order_by(Campaign.slug))) or "none"
        raise CampaignNotFound(f"campaign {slug!r} not found (known: {known})")
    return campaign
