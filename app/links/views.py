"""GET/HEAD /r/<code>: record the request, answer 302 to the partner's tagged landing URL.

Nothing here touches Redis, so links keep working when it is down; the target comes from an
in-process cache in front of the database and the click is queued, not written, in the request.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request

from app.links import is_code
from app.links.clicks import classify
from app.services import Services

bp = Blueprint("links", __name__)


def services() -> Services:
    return current_app.extensions["cobrand"]  # type: ignore[no-any-return]


@bp.route("/r/<code>", methods=["GET", "HEAD"])
def follow(code: str) -> Response:
    if not is_code(code):
        abort(404)
    svc = services()
    target = svc.links.resolve(code)
    if target is None:
        abort(404)
    kind, agent = classify(request.method, request.headers)
    svc.clicks.record(
        link_id=target.link_id,
        campaign_id=target.campaign_id,
        partner_id=target.partner_id,
        channel=target.channel,
        kind=kind,
        agent=agent,
        client=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
    )
    if target.url is None:
        fallback = svc.config.get("LINK_FALLBACK_URL")
        if fallback:
            response = redirect(fallback, 302)
        else:
            response = Response(render_template("links/ended.html"), status=410)
    else:
        response = redirect(target.url, 302)
    # Every visit must reach us to be counted; search engines should index the landing page instead.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
