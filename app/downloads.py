"""Download records, for channel analytics."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Asset, Download


def record_download(session: Session, asset: Asset, channel: str) -> None:
    """Count one download of an asset (channel: portal | api | console)."""
    session.add(
        Download(
            asset_id=asset.id, campaign_id=asset.campaign_id, partner_id=asset.partner_id, channel=channel
        )
    )
