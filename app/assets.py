"""Assets: where their files are kept (the storage key layout), their rows, their withdrawal, and
what subscribers are told about them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Asset, AssetStatus, Campaign, Partner
from app.services import Services


def asset_key(campaign_slug: str, partner_slug: str, output_id: str, fp: str, extension: str) -> str:
    """The storage key of a rendered asset: one per content fingerprint, so a new version never overwrites."""
    return f"assets/{campaign_slug}/{partner_slug}/{output_id}-{fp[:16]}.{extension}"


def asset_filename(campaign: Campaign, output_id: str, partner: Partner, extension: str) -> str:
    """A human filename: <campaign>-<output>-<partner>.<ext>."""
    return f"{campaign.slug}-{output_id}-{partner.slug}.{extension}"


def public_key(name: str) -> str:
    """The storage key of a public file: PUBLIC_ASSET_BASE_URL serves this prefix."""
    return f"public/{name}"


def asset_row(session: Session, campaign_id: int, partner_id: int, output_id: str) -> Asset:
    """The asset row of one campaign, partner and output, made (pending) if there is none yet."""
    asset = session.scalar(
        select(Asset).where(
            Asset.campaign_id == campaign_id, Asset.partner_id == partner_id, Asset.output == output_id
        )
    )
    if asset is None:
        asset = Asset(
            campaign_id=campaign_id, partner_id=partner_id, output=output_id, status=AssetStatus.PENDING
        )
        session.add(asset)
        session.flush()
        # Commit the new row now: on SQLite an open write would hold the database lock for the
        # whole render, and a publish planned meanwhile would time out waiting for it.
        session.commit()
    return asset


def withdraw_ineligible(
    services: Services, session: Session, campaign: Campaign, eligible_ids: set[int]
) -> int:
    """Withdraw (and delete the files of) assets of partners no longer in the audience."""
    assets = session.scalars(
        select(Asset).where(Asset.campaign_id == campaign.id, Asset.status != AssetStatus.WITHDRAWN)
    ).all()
    withdrawn = 0
    for asset in assets:
        if asset.partner_id not in eligible_ids:
            withdraw_asset(services, asset)
            withdrawn += 1
    return withdrawn


def withdraw_asset(services: Services, asset: Asset) -> None:
    """Take an asset from its partner: its files are deleted, its row stays (withdrawn)."""
    for key in (asset.storage_key, asset.thumbnail_key):
        if key:
            services.storage.delete(key)
    asset.status = AssetStatus.WITHDRAWN
    asset.storage_key = asset.thumbnail_key = None
    asset.fingerprint = None


def asset_payload(asset: Asset, partner: Partner, campaign: Campaign) -> dict[str, object]:
    """What subscribers are told about an asset."""
    return {
        "asset_id": asset.id,
        "campaign": campaign.slug,
        "partner": partner.slug,
        "output": asset.output,
        "status": asset.status.value,
        "fingerprint": asset.fingerprint,
        "content_type": asset.content_type,
        "size_bytes": asset.size_bytes,
        "filename": asset.filename,
        "error": asset.error,
    }
