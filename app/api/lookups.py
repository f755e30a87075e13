"""Lookups that answer 404 (also for another partner's data), and pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.api.bearer import caller, services
from app.api.errors import not_found
from app.api.registry import Param
from app.models import Asset, AssetStatus, Campaign, Partner, Publish, Subscription
from app.partner_access import is_visible, visible_campaigns

MAX_ID = 2**31 - 1
"""Ids above this cannot exist (and would overflow the database's integer): they are simply not found."""

PAGE_PARAMS = (
    Param(
        "page", {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}, "Page number, from 1."
    ),
    Param(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
        "Items per page (max 200).",
    ),
)


def paginate(
    session: Session, stmt: Select[Any], query: dict[str, Any], serialize: Callable[[Any], Any]
) -> dict[str, Any]:
    """One page of stmt's rows, serialized, with the total and the next page number."""
    page, per_page = query["page"], query["per_page"]
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    items = [serialize(row) for row in rows]
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "next_page": page + 1 if page * per_page < total else None,
    }


def visible_partners(stmt: Select[Any]) -> Select[Any]:
    """Narrow a partner query to what the caller may see: live partners, only its own for a partner token."""
    stmt = stmt.where(Partner.deleted_at.is_(None))
    partner_id = caller().partner_id
    return stmt if partner_id is None else stmt.where(Partner.id == partner_id)


def get_partner_or_404(session: Session, slug: str) -> Partner:
    partner = session.scalar(visible_partners(select(Partner).where(Partner.slug == slug)))
    if partner is None:
        raise not_found(f"partner {slug!r}")
    return partner


def caller_partner(session: Session) -> Partner | None:
    """The partner of a partner token (None for console tokens)."""
    partner_id = caller().partner_id
    return session.get(Partner, partner_id) if partner_id is not None else None


def get_campaign_or_404(session: Session, slug: str) -> Campaign:
    """The campaign; for a partner token only one visible to it (the portal's rule), else the same 404."""
    campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
    partner = caller_partner(session)
    if campaign is None or (partner is not None and not is_visible(services(), session, campaign, partner)):
        raise not_found(f"campaign {slug!r}")
    return campaign


def get_asset_or_404(session: Session, asset_id: int) -> Asset:
    """The asset; for a partner token only its own, of a campaign visible to it (the portal's rule)."""
    asset = session.get(Asset, asset_id) if asset_id <= MAX_ID else None
    partner = caller_partner(session)
    if (
        asset is None
        or asset.status == AssetStatus.WITHDRAWN
        or asset.partner.deleted_at is not None
        or (partner is not None and asset.partner_id != partner.id)
        or (partner is not None and not is_visible(services(), session, asset.campaign, partner))
    ):
        raise not_found(f"asset {asset_id}")
    return asset


def visible_campaign_ids(session: Session) -> list[int] | None:
    """Ids of the campaigns a partner token may see now; None for console tokens (all of them)."""
    partner = caller_partner(session)
    if partner is None:
        return None
    return [c.id for c in visible_campaigns(services(), session, partner)]


def get_publish_or_404(session: Session, publish_id: int) -> Publish:
    publish = session.get(Publish, publish_id) if publish_id <= MAX_ID else None
    if publish is None:
        raise not_found(f"publish {publish_id}")
    return publish


def get_subscription_or_404(session: Session, subscription_id: int) -> Subscription:
    subscription = session.get(Subscription, subscription_id) if subscription_id <= MAX_ID else None
    if subscription is None:
        raise not_found(f"subscription {subscription_id}")
    return subscription
