"""Analytics: downloads, clicks and click-through per campaign, channel, partner or program
dimension, over time; the funnel; partners who never engaged; top partners; CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, render_template, request
from sqlalchemy import select

from app.analytics import CSV_COLUMNS, GROUPS, engagement_report, is_group, report_csv_rows
from app.auth import roles
from app.auth.security import allow
from app.models import Campaign
from app.web import bp
from app.web.charts import PALETTE, bar_chart, line_chart
from app.web.views import services


def _report() -> tuple[Any, dict[str, Any]]:
    program = services().content.program()
    groups = [*GROUPS, *(f"attribute:{name}" for name in program.attributes)]
    by = request.args.get("by", "tier")
    by = by if is_group(by) and by in groups else "tier"
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
        report = engagement_report(session, by=by, days=days, campaign_id=campaign_id, label=program.label)
    return report, {"by": by, "days": days, "campaign_slug": campaign_slug, "campaigns": campaigns,
                    "groups": groups}  # fmt: skip


def group_label(by: str) -> str:
    return f"partner {by}" if by in ("type", "tier", "region") else by.replace("attribute:", "")


@bp.get("/analytics")
@allow(roles.CONSOLE)
def analytics() -> str:
    report, args = _report()
    by = args["by"]
    series = [(s.label, s.points) for s in report.clicks_over_time]
    published, downloaded, clicked = report.funnel
    return render_template(
        "console/analytics.html",
        report=report,
        group_label=group_label,
        legend=[(label, PALETTE[i % len(PALETTE)], sum(points)) for i, (label, points) in enumerate(series)],
        clicks_over_time=line_chart(
            report.days, series, title=f"Clicks per day by {group_label(by)}", unit="clicks"
        ),  # fmt: skip
        downloads_over_time=line_chart(
            report.days,
            [(s.label, s.points) for s in report.downloads_over_time],
            title=f"Downloads per day by {group_label(by)}",
            unit="downloads",
        ),  # fmt: skip
        per_group=bar_chart([(r.label, r.clicks) for r in report.rows], title=f"Clicks by {group_label(by)}"),
        funnel=bar_chart(
            [("Published", published), ("Downloaded", downloaded), ("Clicked", clicked)],
            title="Partners: published, downloaded, clicked",
        ),  # fmt: skip
        **args,
    )


@bp.get("/analytics.csv")
@allow(roles.CONSOLE)
def analytics_csv() -> Response:
    report, args = _report()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(report_csv_rows(report))
    response = Response(out.getvalue(), mimetype="text/csv")
    name = f"analytics-{args['by'].replace(':', '-')}-{args['days']}d.csv"
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response
