"""What a partner may see and change: its campaigns, its assets, its partner-editable field values.

Shared by the partner portal and the API's partner tokens, so both answer the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audience import is_eligible
from app.errors import CobrandError, InvalidInput
from app.models import Asset, AssetStatus, Campaign, CampaignStatus, Partner, PartnerFieldValues, utcnow
from app.rendering.model import CampaignTemplate
from app.services import Services


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # SQLite hands back naive datetimes
    return value


def is_running(campaign: Campaign, now: datetime | None = None) -> bool:
    """Inside its schedule (no start = from now on, no end = open-ended)."""
    now = now or utcnow()
    starts, ends = _aware(campaign.starts_at), _aware(campaign.ends_at)
    return (starts is None or starts <= now) and (ends is None or now < ends)


def is_visible(services: Services, session: Session, campaign: Campaign, partner: Partner) -> bool:
    """The one visibility rule of portal, API tokens and previews: published (not a draft, not archived),
    within its schedule, and the partner active, not deleted and in the campaign's and template's audience."""
    if campaign.status != CampaignStatus.PUBLISHED or not is_running(campaign):
        return False
    try:
        template = services.content.template(campaign.template_slug)
    except CobrandError:
        return False
    return is_eligible(session, campaign, template, services.content.program(), partner)


def visible_campaigns(services: Services, session: Session, partner: Partner) -> list[Campaign]:
    """The campaigns meant for this partner now, newest first."""
    campaigns = session.scalars(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.PUBLISHED)
        .order_by(Campaign.created_at.desc())
    )
    return [c for c in campaigns if is_visible(services, session, c, partner)]


def may_preview(services: Services, session: Session, partner: Partner, template_slug: str) -> bool:
    """A partner previews only templates of campaigns visible to it (not embargoed or excluded ones)."""
    return any(c.template_slug == template_slug for c in visible_campaigns(services, session, partner))


def visible_campaign(services: Services, session: Session, partner: Partner, slug: str) -> Campaign | None:
    campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None or not is_visible(services, session, campaign, partner):
        return None
    return campaign


def partner_assets(session: Session, campaign: Campaign, partner: Partner) -> list[Asset]:
    """The partner's own assets of a campaign (rendered or failed), in output order."""
    return list(
        session.scalars(
            select(Asset)
            .where(
                Asset.campaign_id == campaign.id,
                Asset.partner_id == partner.id,
                Asset.status.in_([AssetStatus.RENDERED, AssetStatus.FAILED]),
            )
            .order_by(Asset.output)
        )
    )


def partner_asset(services: Services, session: Session, partner: Partner, asset_id: int) -> Asset | None:
    """One of the partner's own rendered assets of a visible campaign, or None."""
    asset = session.get(Asset, asset_id)
    if asset is None or asset.partner_id != partner.id or asset.status != AssetStatus.RENDERED:
        return None
    if not asset.storage_key or not is_visible(services, session, asset.campaign, partner):
        return None
    return asset


def clean_field_values(template: CampaignTemplate, values: dict[str, Any]) -> dict[str, str]:
    """Validate partner-editable field values against the template's fields and limits."""
    clean: dict[str, str] = {}
    for name in values:
        if name not in template.editable_fields:
            allowed = ", ".join(template.editable_fields) or "none"
            raise InvalidInput(f"{name}: not an editable field of {template.slug} (editable: {allowed})")
    for name, spec in template.editable_fields.items():
        value = " ".join(str(values.get(name) or "").split())
        if len(value) > spec.max_length:
            raise InvalidInput(f"{name}: {len(value)} characters, over the limit of {spec.max_length}")
        if value and value != spec.default:
            clean[name] = value
    return clean


def field_values(session: Session, campaign: Campaign, partner: Partner) -> dict[str, str]:
    """The partner's saved values (defaults are not stored)."""
    row = session.scalar(
        select(PartnerFieldValues).where(
            PartnerFieldValues.campaign_id == campaign.id, PartnerFieldValues.partner_id == partner.id
        )
    )
    return dict(row.values) if row else {}


def save_field_values(session: Session, campaign: Campaign, partner: Partner, values: dict[str, str]) -> None:
    """Store already-cleaned values; the next render of this partner uses them."""
    row = session.scalar(
        select(PartnerFieldValues).where(
            PartnerFieldValues.campaign_id == campaign.id, PartnerFieldValues.partner_id == partner.id
        )
    )
    if row is None:
        session.add(PartnerFieldValues(campaign_id=campaign.id, partner_id=partner.id, values=values))
    else:
        row.values = values
    session.flush()
