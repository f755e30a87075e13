"""Process a stored inbound event: change what it says changed, then publish again only what it affects.

Every new publish goes through start_publish, narrowed to one partner where the event is about one
(then one job renders that partner in every campaign, app/partner_publish.py);
fingerprints make the publish skip every asset whose inputs did not change, so re-publishing a
campaign after a brand kit or template event renders only the campaigns that use it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.assets import withdraw_asset
from app.audience import is_eligible
from app.errors import CobrandError, InvalidInput, PartnerNotFound
from app.models import (
    Asset,
    AssetStatus,
    Campaign,
    CampaignStatus,
    Partner,
    PublishTrigger,
    WebhookEvent,
    WebhookEventStatus,
    utcnow,
)
from app.partner_publish import publish_partner_assets_here
from app.partners import delete_partner, get_partner, update_partner, upsert_partner
from app.publishing import start_publish
from app.schemas import validate
from app.schemas.partners import PartnerWebhookCreate, PartnerWebhookUpdate
from app.schemas.webhooks import DATA, SlugData
from app.services import Services


def process_event(services: Services, event_row_id: int) -> list[int]:
    """Apply one stored event; returns the ids of the publishes it started. Bad data marks it failed."""
    with services.db.session() as session:
        event = session.get(WebhookEvent, event_row_id)
        if event is None or event.status == WebhookEventStatus.PROCESSED:
            return []
        event_type, data = event.type, dict((event.payload or {}).get("data") or {})
    try:
        fields = validate(DATA[event_type], data, services.content.program(), prefix="data.")
        publish_ids = HANDLERS[event_type](services, fields)
        status, error = WebhookEventStatus.PROCESSED, None
    except CobrandError as exc:
        # Bad input from the sender (an unknown partner, an invalid field): retrying cannot help.
        publish_ids, status, error = [], WebhookEventStatus.FAILED, str(exc)
    with services.db.session() as session:
        event = session.get(WebhookEvent, event_row_id)
        if event is not None:
            event.status, event.error, event.processed_at = status, error, utcnow()
    return publish_ids


def partner_created(services: Services, data: PartnerWebhookCreate) -> list[int]:
    with services.db.session() as session:
        partner, _ = upsert_partner(session, data, services.content.program())
        partner_id = partner.id
    return publish_partner(services, partner_id)


def partner_updated(services: Services, data: PartnerWebhookUpdate) -> list[int]:
    """Merge the given fields into the partner (identified by data.slug)."""
    with services.db.session() as session:
        partner = get_partner(session, data.slug)
        update_partner(session, partner, data, services.content.program())
        partner_id = partner.id
    return publish_partner(services, partner_id)


def partner_deleted(services: Services, data: SlugData) -> list[int]:
    with services.db.session() as session:
        try:
            partner = get_partner(session, data.slug)
        except PartnerNotFound:
            return []  # already deleted: nothing left to do
        delete_partner(services, session, partner)
    return []


def brand_kit_updated(services: Services, data: SlugData) -> list[int]:
    return republish(services, Campaign.brand_kit_slug == data.slug)


def template_updated(services: Services, data: SlugData) -> list[int]:
    return republish(services, Campaign.template_slug == data.slug)


def campaign_publish(services: Services, data: SlugData) -> list[int]:
    slug = data.slug
    with services.db.session() as session:
        if session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is None:
            raise InvalidInput(f"data.slug: campaign {slug!r} not found")
    return [start_publish(services, slug, trigger=PublishTrigger.WEBHOOK)]


def republish(services: Services, condition: Any) -> list[int]:
    """Publish again every published campaign matching condition."""
    with services.db.session() as session:
        slugs = session.scalars(
            select(Campaign.slug)
            .where(condition, Campaign.status == CampaignStatus.PUBLISHED)
            .order_by(Campaign.slug)
        ).all()
    return [start_publish(services, slug, trigger=PublishTrigger.WEBHOOK) for slug in slugs]


def publish_partner(services: Services, partner_id: int) -> list[int]:
    """Re-publish one partner in every published campaign it is eligible for; withdraw it from the others."""
    targets: list[str] = []
    with services.db.session() as session:
        partner = session.get(Partner, partner_id)
        if partner is None:
            return []
        campaigns = session.scalars(select(Campaign).where(Campaign.status == CampaignStatus.PUBLISHED)).all()
        program = services.content.program()
        for campaign in campaigns:
            template = services.content.template(campaign.template_slug)
            if is_eligible(session, campaign, template, program, partner):
                targets.append(campaign.slug)
            else:
                withdraw_partner_assets(services, session, campaign.id, partner_id)
    # Rendered by this event's own job: one hop through the queue, one forked child.
    publish_ids, errors = publish_partner_assets_here(
        services, partner_id, sorted(targets), trigger=PublishTrigger.WEBHOOK
    )
    if errors:  # the other campaigns are done; the event records what stopped this one
        raise errors[0][1]
    return publish_ids


def withdraw_partner_assets(services: Services, session: Session, campaign_id: int, partner_id: int) -> None:
    assets = session.scalars(
        select(Asset).where(
            Asset.campaign_id == campaign_id,
            Asset.partner_id == partner_id,
            Asset.status != AssetStatus.WITHDRAWN,
        )
    ).all()
    for asset in assets:
        withdraw_asset(services, asset)


HANDLERS = {
    "partner.created": partner_created,
    "partner.updated": partner_updated,
    "partner.deleted": partner_deleted,
    "brand_kit.updated": brand_kit_updated,
    "template.updated": template_updated,
    "campaign.publish": campaign_publish,
    "campaign.regenerate": campaign_publish,  # the old name, kept for one release
}
"""What each inbound event type does."""
