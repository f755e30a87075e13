"""Replaced logos, deleted once nothing needs them, and the partner's storage quota for logos.

Logos are stored by content (partner-logos/<sha256>.<ext>), so partners with the same file share
one object. A replaced logo is recorded here and deleted once no partner refers to it and the
partner's assets of live campaigns have been rendered again since (a publish that was running
when it was replaced may still read it). Until then its bytes count against the partner's quota,
so replacing a logo again and again cannot fill storage.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, exists, func, select
from sqlalchemy.orm import Session

from app.errors import UploadRejected
from app.models import Asset, AssetStatus, Campaign, CampaignStatus, Partner, RetiredLogo

if TYPE_CHECKING:
    from app.events import Event
    from app.services import Services

logger = logging.getLogger(__name__)


def quota_bytes(services: Services) -> int:
    return services.config.PARTNER_STORAGE_QUOTA_BYTES


def check_quota(services: Services, session: Session, partner: Partner, new_bytes: int) -> None:
    """Refuse (UploadRejected) a logo that would take the partner over its storage quota."""
    quota = quota_bytes(services)
    waiting = 0
    if partner.id is not None:
        waiting = (
            session.scalar(
                select(func.coalesce(func.sum(RetiredLogo.size_bytes), 0)).where(
                    RetiredLogo.partner_id == partner.id
                )
            )
            or 0
        )
    if new_bytes + waiting > quota:
        raise UploadRejected(
            f"logo: {_mb(new_bytes)} would take partner {partner.slug} over its storage quota of {_mb(quota)} "
            f"({_mb(waiting)} held by replaced logos until its campaigns are published again)"
        )


def retire(services: Services, session: Session, partner: Partner, old_key: str | None, new_key: str) -> None:
    """Record the partner's replaced logo, and try deleting it once the change is committed."""
    if not old_key or old_key == new_key or partner.id is None:
        return
    try:
        size = len(services.storage.open(old_key))
    except FileNotFoundError:
        return  # already gone: nothing to delete, nothing held
    session.add(RetiredLogo(partner_id=partner.id, storage_key=old_key, size_bytes=size))
    event.listen(session, "after_commit", lambda _s: delete_retired_logos(services), once=True)


def is_retired(session: Session, key: str) -> bool:
    """Whether key waits for deletion (an upload of the same file must then write it again)."""
    return session.scalar(select(exists().where(RetiredLogo.storage_key == key))) or False


def delete_retired_logos(services: Services) -> list[str]:
    """Delete every replaced logo no partner refers to whose partner's assets were rendered since."""
    deleted: list[str] = []
    with services.db.session() as session:
        for row in session.scalars(select(RetiredLogo).order_by(RetiredLogo.id)).all():
            if session.scalar(select(exists().where(Partner.logo_key == row.storage_key))):
                session.delete(row)  # used again (by another partner, or this one): not ours to delete
            elif not _assets_behind(session, row.partner_id, row.retired_at):
                services.storage.delete(row.storage_key)
                others = select(RetiredLogo).where(RetiredLogo.storage_key == row.storage_key)
                for same in session.scalars(others).all():
                    session.delete(same)
                deleted.append(row.storage_key)
            session.flush()
    if deleted:
        logger.info("deleted %s replaced logos", len(deleted), extra={"fields": {"keys": deleted}})
    return deleted


def _assets_behind(session: Session, partner_id: int, since: datetime) -> bool:
    """Whether the partner has an asset of a live campaign not rendered since `since`."""
    stmt = (
        select(Asset.id)
        .join(Campaign, Campaign.id == Asset.campaign_id)
        .where(
            Asset.partner_id == partner_id,
            Campaign.status != CampaignStatus.ARCHIVED,
            Asset.status.in_((AssetStatus.PENDING, AssetStatus.RENDERED)),
            Asset.updated_at < since,
        )  # fmt: skip
        .limit(1)
    )
    return session.scalar(stmt) is not None


def on_events(services: Services, batch: Sequence[Event]) -> None:
    """Subscriber: after a publish completes, delete the replaced logos it made unnecessary."""
    if any(e.type == "publish.completed" for e in batch):
        delete_retired_logos(services)


def _mb(size: Any) -> str:
    return f"{int(size) / 1024 / 1024:.1f} MB"
