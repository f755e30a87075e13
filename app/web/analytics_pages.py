"""Analytics: downloads per campaign and per partner type, tier and region over time."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from app.analytics import DIMENSIONS, downloads_report
from app.models import Campaign
from app.web import bp
from app.web.charts import PALETTE, bar_chart, line_chart
from app.web.security import admin_required
from app.web.views import services


@bp.get("/analytics")
@admin_required
def analytics() -> str:
    by = request.args.get("by", "type")
    by = by if by in DIMENSIONS else "type"
    try:
        days = min(max(int(request.args.get("days", "30")), 7), 365)
    except ValueError:
        days = 30
    campaign_slug = request.args.get("campaign", "")
    with services().db.session() as session:
        campaigns = session.execute(
            select(Campaign.id, Campaign.slug, Campaign.title).order_by(Campaign.slug)
        ).all()
        campaign_id = next((cid for cid, slug, _ in campaigns if slug == campaign_slug), None)
        report = downloads_report(session, days=days, by=by, campaign_id=campaign_id)
    series = [(s.label.replace("_", " "), s.points) for s in report.over_time]
    return render_template(
        "console/analytics.html",
        report=report,
        by=by,
        days=days,
        campaigns=campaigns,
        campaign_slug=campaign_slug,
        legend=[(label, PALETTE[i % len(PALETTE)], sum(points)) for i, (label, points) in enumerate(series)],
        over_time=line_chart(
            report.days, series, title=f"Downloads per day by partner {by}, last {days} days"
        ),
        per_campaign=bar_chart(
            [(title or slug, n) for slug, title, n in report.by_campaign], title="Downloads per campaign"
        ),  # fmt: skip
    )
