"""Dashboard: campaigns with live publish progress, failed renders with retry, recent webhook events."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.auth import roles
from app.auth.security import allow, safe_next
from app.errors import CobrandError
from app.models import Asset, AssetOutcome, Campaign, Partner, Publish, PublishStatus, WebhookEvent
from app.publishing import retry_failed
from app.web import bp
from app.web.views import services


def progress(publish: Publish) -> dict[str, Any]:
    """What the progress bar shows (the same shape as the JSON the page polls)."""
    total = publish.total
    done = publish.done
    return {
        "id": publish.id,
        "status": publish.status.value,
        "total": total,
        "done": done,
        "rendered": publish.rendered,
        "unchanged": publish.unchanged,
        "failed": publish.failed,
        "percent": 100 if total == 0 else round(100 * done / total),
        "completed": publish.status == PublishStatus.COMPLETED,
    }


def latest_publishes(session: Any) -> dict[int, Publish]:
    """The newest publish of every campaign, by campaign id."""
    newest = (
        select(Publish.campaign_id, func.max(Publish.id).label("id")).group_by(Publish.campaign_id).subquery()
    )
    rows = session.scalars(select(Publish).join(newest, Publish.id == newest.c.id))
    return {p.campaign_id: p for p in rows}


def failed_assets(session: Any, limit: int = 50) -> list[tuple[Asset, str, str]]:
    """Assets whose last render failed, with partner name and campaign slug."""
    return [
        (asset, name, slug)
        for asset, name, slug in session.execute(
            select(Asset, Partner.name, Campaign.slug)
            .join(Partner, Asset.partner_id == Partner.id)
            .join(Campaign, Asset.campaign_id == Campaign.id)
            .where(Asset.outcome == AssetOutcome.FAILED)
            .order_by(Asset.updated_at.desc())
            .limit(limit)
        )
    ]


def dashboard() -> str:
    with services().db.session() as session:
        campaigns = session.scalars(
            select(Campaign).order_by(Campaign.status, Campaign.created_at.desc())
        ).all()
        publishes = latest_publishes(session)
        failures = failed_assets(session)
        events = session.scalars(
            select(WebhookEvent).order_by(WebhookEvent.received_at.desc()).limit(10)
        ).all()
        partner_count = session.scalar(select(func.count(Partner.id)).where(Partner.deleted_at.is_(None)))
        asset_count = session.scalar(select(func.count(Asset.id)).where(Asset.status == "rendered"))
    rows = [(c, progress(publishes[c.id]) if c.id in publishes else None) for c in campaigns]
    return render_template(
        "console/dashboard.html",
        rows=rows,
        failures=failures,
        events=events,
        partner_count=partner_count,
        asset_count=asset_count,
    )


bp.add_url_rule("/dashboard", "dashboard", allow(roles.CONSOLE)(dashboard))


@bp.get("/")
@allow(roles.PUBLIC)  # signed out: sent to sign-in; partner roles to the portal
def home() -> object:
    """Console users start on the dashboard, partners in their portal, everyone else at sign-in."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if not current_user.role.is_console:
        return redirect(url_for("portal.home"))
    return dashboard()


@bp.get("/publishes/<int:publish_id>.json")
@allow(roles.CONSOLE)
def publish_progress(publish_id: int) -> dict[str, Any]:
    with services().db.session() as session:
        publish = session.get(Publish, publish_id)
        if publish is None:
            abort(404)
        return progress(publish)


@bp.post("/publishes/<int:publish_id>/retry")
@allow(roles.EDITORS)
def retry_publish(publish_id: int) -> object:
    try:
        count = retry_failed(services(), publish_id)
    except CobrandError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Re-queued {count} failed asset(s).", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("console.dashboard"))
