"""Campaigns: list, create, get, update, publish, archive, and their assets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.api import bp
from app.api.assets import asset_rows
from app.api.bearer import services
from app.api.errors import ApiError
from app.api.lookups import PAGE_PARAMS, get_campaign_or_404, get_publish_or_404, paginate
from app.api.registry import ADMIN, TOKEN, registry
from app.api.schemas import ASSET, CAMPAIGN, PARTNER, PUBLISH, page_of
from app.api.serializers import asset_json, campaign_json, partner_json, publish_json
from app.audience import eligible_clause
from app.campaigns import archive_campaign, save_campaign
from app.models import Asset, Campaign, CampaignStatus, Partner, PublishTrigger
from app.publishing import start_publish
from app.schemas.campaigns import CampaignCreate, CampaignUpdate


@registry.route(bp, "GET", "/campaigns", summary="List campaigns", access=ADMIN, query=PAGE_PARAMS,
                response=page_of(CAMPAIGN))  # fmt: skip
def list_campaigns(query: dict[str, Any]) -> dict[str, Any]:
    with services().db.session() as session:
        return paginate(
            session, select(Campaign).order_by(Campaign.slug), query, lambda row: campaign_json(row[0])
        )


@registry.route(bp, "POST", "/campaigns", summary="Create a campaign", access=ADMIN, body=CampaignCreate,
                response=CAMPAIGN, status=201, errors=(409,))  # fmt: skip
def create_campaign(body: CampaignCreate) -> tuple[dict[str, Any], int]:
    with services().db.session() as session:
        if session.scalar(select(Campaign.id).where(Campaign.slug == body.slug)) is not None:
            raise ApiError(409, "conflict", f"campaign {body.slug!r} already exists; PATCH it instead")
    campaign, _ = save_campaign(services(), body)
    return campaign_json(campaign), 201


@registry.route(bp, "GET", "/campaigns/<campaign>", summary="Get a campaign", access=ADMIN, response=CAMPAIGN)
def get_campaign(campaign: str) -> dict[str, Any]:
    with services().db.session() as session:
        return campaign_json(get_campaign_or_404(session, campaign))


@registry.route(bp, "PATCH", "/campaigns/<campaign>", summary="Update a campaign", access=ADMIN,
                body=CampaignUpdate, response=CAMPAIGN)  # fmt: skip
def patch_campaign(campaign: str, body: CampaignUpdate) -> dict[str, Any]:
    with services().db.session() as session:
        campaign_id = get_campaign_or_404(session, campaign).id
    row, _ = save_campaign(services(), body, campaign_id=campaign_id)
    return campaign_json(row)


@registry.route(bp, "POST", "/campaigns/<campaign>/publish",
                summary="Publish: render every eligible partner's assets (unchanged ones are skipped)",
                access=ADMIN, response=PUBLISH, status=202, errors=(409,))  # fmt: skip
def publish_campaign(campaign: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    with services().db.session() as session:
        row = get_campaign_or_404(session, campaign)
        if row.status == CampaignStatus.ARCHIVED:
            raise ApiError(409, "conflict", f"campaign {campaign!r} is archived; it cannot be published")
    publish_id = start_publish(services(), campaign, trigger=PublishTrigger.API)
    with services().db.session() as session:
        body = publish_json(get_publish_or_404(session, publish_id))
    return body, 202, {"Location": body["url"]}


@registry.route(bp, "POST", "/campaigns/<campaign>/archive", summary="Archive a campaign", access=ADMIN,
                response=CAMPAIGN)  # fmt: skip
def archive(campaign: str) -> dict[str, Any]:
    with services().db.session() as session:
        campaign_id = get_campaign_or_404(session, campaign).id
    return campaign_json(archive_campaign(services(), campaign_id))


@registry.route(bp, "GET", "/campaigns/<campaign>/assets",
                summary="List a campaign's assets (a partner token sees only its own)",
                access=TOKEN, query=PAGE_PARAMS, response=page_of(ASSET))  # fmt: skip
def campaign_assets(campaign: str, query: dict[str, Any]) -> dict[str, Any]:
    with services().db.session() as session:
        row = get_campaign_or_404(session, campaign)
        return paginate(
            session, asset_rows(session).where(Asset.campaign_id == row.id), query, lambda r: asset_json(*r)
        )


@registry.route(bp, "GET", "/campaigns/<campaign>/partners",
                summary="List the partners a campaign reaches now (its template's audience and its own)",
                access=ADMIN, query=PAGE_PARAMS, response=page_of(PARTNER))  # fmt: skip
def campaign_partners(campaign: str, query: dict[str, Any]) -> dict[str, Any]:
    with services().db.session() as session:
        row = get_campaign_or_404(session, campaign)
        template = services().content.template(row.template_slug)
        clause = eligible_clause(row, template, services().content.program(), session.get_bind().dialect.name)
        stmt = select(Partner).where(clause).order_by(Partner.slug)
        return paginate(session, stmt, query, lambda r: partner_json(r[0]))
