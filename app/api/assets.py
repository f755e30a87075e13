"""Assets: get one, download it (recorded as an "api" download); publish progress."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect
from sqlalchemy import Select, select

from app.api import bp
from app.api.access import caller, services
from app.api.errors import not_found
from app.api.lookups import get_asset_or_404, get_publish_or_404
from app.api.registry import ADMIN, TOKEN, registry
from app.api.schemas import ASSET, PUBLISH
from app.api.serializers import asset_json, publish_json
from app.downloads import record_download
from app.models import Asset, AssetStatus, Campaign, Partner


def asset_rows() -> Select[Any]:
    """(asset, campaign slug, partner slug) of the assets the caller may see, newest campaign first."""
    stmt = (
        select(Asset, Campaign.slug, Partner.slug)
        .join(Campaign, Asset.campaign_id == Campaign.id)
        .join(Partner, Asset.partner_id == Partner.id)
        .where(Asset.status != AssetStatus.WITHDRAWN, Partner.deleted_at.is_(None))
        .order_by(Campaign.slug, Partner.slug, Asset.output)
    )
    partner_id = caller().partner_id
    return stmt if partner_id is None else stmt.where(Asset.partner_id == partner_id)


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
    storage = services().storage
    with services().db.session() as session:
        asset = get_asset_or_404(session, asset_id)
        if asset.status != AssetStatus.RENDERED or not asset.storage_key:
            raise not_found(f"asset {asset_id} has no rendered file")
        key, filename, content_type = asset.storage_key, asset.filename, asset.content_type
        url = storage.url_for_download(key, filename=filename)
        if url is None:
            try:
                data = storage.open(key)
            except FileNotFoundError:
                raise not_found(f"asset {asset_id}: the file is missing from storage") from None
        record_download(session, asset, "api")
    if url is not None:
        return redirect(url)  # type: ignore[return-value]
    response = Response(data, mimetype=content_type or "application/octet-stream")
    response.headers.set("Content-Disposition", "attachment", filename=filename or f"asset-{asset_id}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@registry.route(bp, "GET", "/publishes/<int:publish_id>", summary="Get a publish's progress",
                access=ADMIN, response=PUBLISH)  # fmt: skip
def get_publish(publish_id: int) -> dict[str, Any]:
    with services().db.session() as session:
        return publish_json(get_publish_or_404(session, publish_id))
