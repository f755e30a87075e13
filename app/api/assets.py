"""Assets: get one, download it (recorded as an "api" download); publish progress."""

from __future__ import annotations

from typing import Any

from flask import Response
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.api import bp
from app.api.bearer import caller, services
from app.api.errors import not_found
from app.api.lookups import get_asset_or_404, get_publish_or_404, visible_campaign_ids
from app.api.registry import ADMIN, TOKEN, registry
from app.api.schemas import ASSET, PUBLISH
from app.api.serializers import asset_json, publish_json
from app.downloads import deliver_asset
from app.models import Asset, AssetStatus, Campaign, DownloadChannel, Partner


def asset_rows(session: Session) -> Select[Any]:
    """(asset, campaign slug, partner slug) of the assets the caller may see, newest campaign first.

    A partner token sees its own assets of the campaigns visible to it, as in the portal.
    """
    stmt = (
        select(Asset, Campaign.slug, Partner.slug)
        .join(Campaign, Asset.campaign_id == Campaign.id)
        .join(Partner, Asset.partner_id == Partner.id)
        .where(Asset.status != AssetStatus.WITHDRAWN, Partner.deleted_at.is_(None))
        .order_by(Campaign.slug, Partner.slug, Asset.output)
    )
    partner_id = caller().partner_id
    if partner_id is None:
        return stmt
    return stmt.where(
        Asset.partner_id == partner_id, Asset.campaign_id.in_(visible_campaign_ids(session) or [])
    )


@registry.route(bp, "GET", "/assets/<int:asset_id>", summary="Get an asset", access=TOKEN, response=ASSET)
def get_asset(asset_id: int) -> dict[str, Any]:
    with services().db.session() as session:
        asset = get_asset_or_404(session, asset_id)
        return asset_json(asset, asset.campaign.slug, asset.partner.slug)


@registry.route(bp, "GET", "/assets/<int:asset_id>/download",
                summary="Download an asset (a redirect to a short-lived storage URL, or the file itself)",
                access=TOKEN, media="application/octet-stream",
                responses={302: ("", None)}, response={"type": "string", "format": "binary"})  # fmt: skip
def download_asset(asset_id: int) -> Response:
    with services().db.session() as session:
        asset = get_asset_or_404(session, asset_id)
        if asset.status != AssetStatus.RENDERED or not asset.storage_key:
            raise not_found(f"asset {asset_id} has no rendered file")
        return deliver_asset(services().storage, session, asset, DownloadChannel.API)


@registry.route(bp, "GET", "/publishes/<int:publish_id>", summary="Get a publish's progress",
                access=ADMIN, response=PUBLISH)  # fmt: skip
def get_publish(publish_id: int) -> dict[str, Any]:
    with services().db.session() as session:
        return publish_json(get_publish_or_404(session, publish_id))
