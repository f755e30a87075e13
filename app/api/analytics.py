"""Analytics: click counts of short links, and the engagement report by any group."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.analytics import GROUPS, click_counts, engagement_report, is_group
from app.api import bp
from app.api.bearer import caller, services
from app.api.errors import ApiError, not_found
from app.api.lookups import get_campaign_or_404
from app.api.registry import ADMIN, SLUG_PATTERN, TOKEN, Param, registry
from app.links import CHANNELS, is_code
from app.models import Partner, ShortLink

COUNT = {"type": "integer", "minimum": 0}
CLICKS = {
    "type": "object",
    "required": ["clicks", "bots", "unique_visitors"],
    "properties": {
        "clicks": {**COUNT, "description": "Requests counted as clicks: people, not bots, previews or prefetches."},
        "bots": {**COUNT, "description": "Every other request: crawlers + previews + prefetches + heads."},
        "crawlers": COUNT, "previews": COUNT, "prefetches": COUNT, "heads": COUNT,
        "unique_visitors": {**COUNT, "description": "Distinct visitors (per day's salted hash) among the clicks."},
    },
}  # fmt: skip
ROW = {
    "type": "object",
    "required": ["key", "label", "published", "downloads", "clicks", "bots", "unique_visitors", "click_through"],
    "properties": {
        "key": {"type": "string"}, "label": {"type": "string"}, "published": COUNT, "downloads": COUNT,
        "clicks": COUNT, "bots": COUNT, "unique_visitors": COUNT,
        "click_through": {"type": ["number", "null"], "description": "Clicks per download."},
    },
}  # fmt: skip
REPORT = {
    "type": "object",
    "required": ["by", "days", "rows", "total", "funnel", "never_engaged", "top_partners", "demo_data"],
    "properties": {
        "by": {"type": "string"}, "days": {"type": "integer"}, "rows": {"type": "array", "items": ROW},
        "total": ROW,
        "funnel": {"type": "object", "properties": {"published": COUNT, "downloaded": COUNT, "clicked": COUNT}},
        "never_engaged": {"type": "array", "items": {"type": "string"}},
        "top_partners": {"type": "array", "items": ROW},
        "over_time": {"type": "object"},
        "demo_data": {"type": "boolean", "description": "True when seeded demo history is included."},
    },
}  # fmt: skip


@registry.route(bp, "GET", "/analytics/clicks", summary="Clicks on short links (a partner token: its own links)",
                access=TOKEN, response=CLICKS, query=(
                    Param("code", {"type": "string", "pattern": "^[A-Za-z0-9]{1,32}$"}, "One short link's code."),
                    Param("campaign", {"type": "string", "pattern": SLUG_PATTERN}, "Only this campaign's links."),
                    Param("partner", {"type": "string", "pattern": SLUG_PATTERN}, "Only this partner's links."),
                    Param("channel", {"type": "string", "enum": list(CHANNELS)}, "Only links of this channel."),
                ))  # fmt: skip
def clicks(query: dict[str, Any]) -> dict[str, Any]:
    if query["code"] is not None and not is_code(query["code"]):
        raise ApiError(400, "bad_request", "query parameter 'code': not a short link code")
    mine = caller().partner_id
    with services().db.session() as session:
        if (
            query["code"] is not None
            and session.scalar(select(ShortLink.id).where(ShortLink.code == query["code"])) is None
        ):
            raise not_found(f"short link {query['code']!r}")
        campaign_id = get_campaign_or_404(session, query["campaign"]).id if query["campaign"] else None
        # A partner token counts only its own links: another partner's code or slug matches nothing.
        partner_id = mine
        if query["partner"]:
            wanted = session.scalar(
                select(Partner.id).where(Partner.slug == query["partner"], Partner.deleted_at.is_(None))
            )
            if wanted is None and mine is None:
                raise not_found(f"partner {query['partner']!r}")
            partner_id = wanted if mine in (None, wanted) else -1
        return click_counts(session, code=query["code"], campaign_id=campaign_id, partner_id=partner_id,
                            channel=query["channel"])  # fmt: skip


@registry.route(bp, "GET", "/analytics", summary="Downloads, clicks and click-through by a group, with the funnel",
                access=ADMIN, response=REPORT, query=(
                    Param("by", {"type": "string", "default": "tier"},
                          f"One of {', '.join(GROUPS)}, or attribute:<name> of the partner program."),
                    Param("days", {"type": "integer", "minimum": 1, "maximum": 365, "default": 30}, "Period."),
                    Param("campaign", {"type": "string", "pattern": SLUG_PATTERN}, "Only this campaign."),
                ))  # fmt: skip
def report(query: dict[str, Any]) -> dict[str, Any]:
    program = services().content.program()
    by = query["by"]
    if not is_group(by) or (by.startswith("attribute:") and by.split(":", 1)[1] not in program.attributes):
        allowed = [*GROUPS, *(f"attribute:{a}" for a in program.attributes)]
        raise ApiError(400, "bad_request", f"query parameter 'by': {by!r} is not one of {', '.join(allowed)}")
    with services().db.session() as session:
        campaign_id = get_campaign_or_404(session, query["campaign"]).id if query["campaign"] else None
        result = engagement_report(
            session, by=by, days=query["days"], campaign_id=campaign_id, label=program.label
        )
        published, downloaded, clicked = result.funnel
        return {
            "by": by,
            "days": query["days"],
            "rows": [row.as_json() for row in result.rows],
            "total": result.total.as_json(),
            "funnel": {"published": published, "downloaded": downloaded, "clicked": clicked},
            "never_engaged": [p.slug for p in result.never_engaged],
            "top_partners": [row.as_json() for row in result.top_partners],
            "over_time": {
                "days": [d.isoformat() for d in result.days],
                "clicks": {s.label: s.points for s in result.clicks_over_time},
                "downloads": {s.label: s.points for s in result.downloads_over_time},
            },
            "demo_data": result.has_demo_data,
        }
