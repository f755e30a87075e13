"""Shared page helpers, the home redirect, the asset library, asset downloads and thumbnails."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request
from sqlalchemy import or_, select

from app.auth import roles
from app.auth.security import allow
from app.downloads import deliver_asset, send_file
from app.models import Asset, AssetStatus, Campaign, DownloadChannel, Partner
from app.services import Services
from app.web import bp
from app.web.pagination import paginate


def services() -> Services:
    return current_app.extensions["cobrand"]  # type: ignore[no-any-return]


def get_asset_or_404(asset_id: int) -> Asset:
    with services().db.session() as session:
        asset = session.get(Asset, asset_id)
        if asset is None or asset.status != AssetStatus.RENDERED or not asset.storage_key:
            abort(404)
        return asset


def jpeg(data: bytes) -> Response:
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/assets")
@allow(roles.CONSOLE)
def index() -> str:
    """Partners, a page at a time, with their rendered assets: thumbnails and download links."""
    q = request.args.get("q", "").strip()
    with services().db.session() as session:
        query = select(Partner).where(Partner.deleted_at.is_(None)).order_by(Partner.name, Partner.id)
        if q:
            like = f"%{q}%"
            query = query.where(or_(Partner.name.ilike(like), Partner.slug.ilike(like)))
        page = paginate(session, query)
        rows = session.execute(
            select(Asset, Campaign.slug)
            .join(Campaign, Asset.campaign_id == Campaign.id)
            .where(Asset.partner_id.in_([p.id for p in page.items]),
                   Asset.status.in_([AssetStatus.RENDERED, AssetStatus.FAILED]))
            .order_by(Campaign.slug, Asset.output)
        ).all()  # fmt: skip
    assets: dict[int, list[tuple[Asset, str]]] = {}
    for asset, campaign_slug in rows:
        assets.setdefault(asset.partner_id, []).append((asset, campaign_slug))
    return render_template("console/assets_index.html", partners=page.items, page=page, args={"q": q} if q else {},
                           assets=assets, q=q)  # fmt: skip


@bp.get("/assets/<int:asset_id>/download")
@allow(roles.CONSOLE)
def download(asset_id: int) -> Response:
    with services().db.session() as session:
        asset = session.get(Asset, asset_id)
        if asset is None or asset.status != AssetStatus.RENDERED:
            abort(404)
        return deliver_asset(services().storage, session, asset, DownloadChannel.CONSOLE)


@bp.get("/assets/<int:asset_id>/thumbnail")
@allow(roles.CONSOLE)
def thumbnail(asset_id: int) -> Response:
    asset = get_asset_or_404(asset_id)
    if not asset.thumbnail_key:
        abort(404)
    return send_file(services().storage, asset.thumbnail_key, inline=True)
