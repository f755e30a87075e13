"""Models as the API's JSON (the shapes in schemas.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import url_for

from app.models import Asset, AssetStatus, Campaign, Delivery, DeliveryAttempt, Partner, Publish, Subscription
from app.rendering.model import BrandKit, CampaignTemplate
from app.schemas.partners import TEXT_LIMITS


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    # SQLite returns naive datetimes; every stored time is UTC.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def partner_json(partner: Partner) -> dict[str, Any]:
    return {
        "id": partner.id,
        "slug": partner.slug,
        "name": partner.name,
        "type": partner.type,
        "tier": partner.tier,
        "region": partner.region,
        **{name: getattr(partner, name) or "" for name in TEXT_LIMITS if name != "name"},
        "active": bool(partner.active),
        "has_logo": partner.logo_key is not None,
        "custom_fields": {str(k): str(v) for k, v in (partner.custom_fields or {}).items()},
        "attributes": dict(partner.attributes or {}),
        "created_at": iso(partner.created_at),
        "updated_at": iso(partner.updated_at),
        "assets_url": url_for("api.partner_assets", partner=partner.slug, _external=True),
    }


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "slug": campaign.slug,
        "title": campaign.title or "",
        "template": campaign.template_slug,
        "brand_kit": campaign.brand_kit_slug,
        "audience": campaign.audience or {},
        "landing_url": campaign.landing_url or "",
        "overrides": campaign.overrides or {},
        "status": campaign.status.value,
        "starts_at": iso(campaign.starts_at),
        "ends_at": iso(campaign.ends_at),
        "created_at": iso(campaign.created_at),
        "updated_at": iso(campaign.updated_at),
        "assets_url": url_for("api.campaign_assets", campaign=campaign.slug, _external=True),
    }


def publish_json(publish: Publish) -> dict[str, Any]:
    return {
        "id": publish.id,
        "campaign": publish.campaign.slug,
        "status": publish.status.value,
        "trigger": publish.trigger.value,
        "total": publish.total,
        "done": publish.done,
        "rendered": publish.rendered,
        "unchanged": publish.unchanged,
        "failed": publish.failed,
        "created_at": iso(publish.created_at),
        "started_at": iso(publish.started_at),
        "finished_at": iso(publish.finished_at),
        "url": url_for("api.get_publish", publish_id=publish.id, _external=True),
    }


def asset_json(asset: Asset, campaign_slug: str, partner_slug: str) -> dict[str, Any]:
    downloadable = asset.status == AssetStatus.RENDERED and asset.storage_key
    return {
        "id": asset.id,
        "campaign": campaign_slug,
        "partner": partner_slug,
        "output": asset.output,
        "status": asset.status.value,
        "content_type": asset.content_type,
        "size_bytes": asset.size_bytes,
        "filename": asset.filename,
        "fingerprint": asset.fingerprint,
        "error": asset.error,
        "rendered_at": iso(asset.rendered_at),
        "download_url": url_for("api.download_asset", asset_id=asset.id, _external=True)
        if downloadable
        else None,
    }


def brand_kit_json(kit: BrandKit) -> dict[str, Any]:
    return {
        "slug": kit.slug,
        "name": kit.name,
        "version": kit.version,
        "colors": dict(kit.colors),
        "logos": sorted(kit.logos),
        "fonts": sorted({f"{f.family} {f.weight} {f.style}" for f in kit.fonts}),
    }


def template_json(template: CampaignTemplate) -> dict[str, Any]:
    return {
        "slug": template.slug,
        "title": template.title,
        "description": template.description,
        "version": template.version,
        "audience": template.audience.to_dict(),
        "outputs": template.output_ids(),
        "partner_fields": list(template.partner_fields),
        "editable_fields": sorted(template.editable_fields),
        "preview_url": url_for("api.template_preview", template=template.slug, _external=True),
        **_design_json(template),
    }


def _design_json(template: CampaignTemplate) -> dict[str, Any]:
    """A design template's pages and zones, in the field names of docs/formats.md."""
    from app.rendering.model import DesignOutput
    from app.rendering.zones import zone_json

    design = next((o for o in template.outputs if isinstance(o, DesignOutput)), None)
    if design is None:
        return {}
    return {
        "kind": "design",
        "pages": [
            {"width_mm": round(p.width_mm, 2), "height_mm": round(p.height_mm, 2)} for p in design.pages
        ],
        "zones": [zone_json(zone) for zone in design.zones],
    }


def subscription_json(subscription: Subscription, *, secret: str | None = None) -> dict[str, Any]:
    data = {
        "id": subscription.id,
        "url": subscription.url,
        "events": list((subscription.events or {}).get("types", [])),
        "active": bool(subscription.active),
        "created_at": iso(subscription.created_at),
        "deliveries_url": url_for(
            "api.subscription_deliveries", subscription_id=subscription.id, _external=True
        ),
    }
    if secret is not None:
        data["secret"] = secret
    return data


def delivery_json(delivery: Delivery, attempts: list[DeliveryAttempt]) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "next_attempt_at": iso(delivery.next_attempt_at),
        "created_at": iso(delivery.created_at),
        "delivered_at": iso(delivery.delivered_at),
        "payload": delivery.payload or {},
        "log": [
            {"attempted_at": iso(a.attempted_at), "status_code": a.status_code, "error": a.error}
            for a in attempts
        ],
    }
