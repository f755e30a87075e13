"""Portal doors for the e-mail and social outputs: HTML preview and download, copy, share links.

An e-mail asset is stored as one .eml (downloaded through the ordinary asset download); its
HTML part is served from here for the preview, "Copy HTML" and "Download .html".
"""

from __future__ import annotations

import email
import json
from email import policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from flask import Response, abort, request

from app import partner_access
from app.auth.security import partner_required
from app.downloads import record_download
from app.models import Asset, DownloadChannel
from app.portal import bp
from app.portal.views import my_partner, services

PREVIEW_POLICY = "; ".join(
    [
        "default-src 'none'",
        "img-src * data:",  # the e-mail's images live under PUBLIC_ASSET_BASE_URL, maybe a CDN
        "style-src 'unsafe-inline'",
        "sandbox",  # no scripts, no forms, no same-origin access, even if a template slipped one in
        "frame-ancestors 'self'",
    ]
)


def email_parts(data: bytes) -> tuple[str, str, str]:
    """Subject, HTML and plain text of a stored .eml."""
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    html = message.get_body(("html",))
    text = message.get_body(("plain",))
    return (
        str(message.get("Subject", "")),
        html.get_content() if html is not None else "",  # type: ignore[attr-defined]
        text.get_content() if text is not None else "",  # type: ignore[attr-defined]
    )


@bp.get("/assets/<int:asset_id>/email.html")
@partner_required
def email_html(asset_id: int) -> Response:
    """The e-mail's HTML: inline and sandboxed for the preview, or ?download=1 / ?copy=1."""
    with services().db.session() as db:
        asset = partner_access.partner_asset(services(), db, my_partner(db), asset_id)
        if asset is None or asset.content_type != "message/rfc822":
            abort(404)
        try:
            data = services().storage.open(asset.storage_key or "")
        except FileNotFoundError:
            abort(404)
        download, copy = request.args.get("download") == "1", request.args.get("copy") == "1"
        if download or copy:
            record_download(db, asset, DownloadChannel.PORTAL)
    _, html, _ = email_parts(data)
    response = Response(html, mimetype="text/html")
    if download:
        name = (asset.filename or f"asset-{asset.id}.eml").rsplit(".", 1)[0] + ".html"
        response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response


NETWORKS = (("linkedin", "LinkedIn"), ("x", "X"), ("facebook", "Facebook"))


def share_links(post: dict[str, Any]) -> dict[str, str]:
    """Each network's own share page for the post: opened by the partner, no API call of ours."""
    link, x_text = quote(post["link"], safe=""), quote(post["text"]["x"], safe="")
    return {
        "linkedin": f"https://www.linkedin.com/sharing/share-offsite/?url={link}",
        "x": f"https://x.com/intent/post?text={x_text}",
        "facebook": f"https://www.facebook.com/sharer/sharer.php?u={link}",
    }


def social_posts(assets: list[Asset]) -> dict[int, dict[str, Any]]:
    """The post texts and share links of a partner's social-post assets, by asset id."""
    posts: dict[int, dict[str, Any]] = {}
    for asset in assets:
        if (
            asset.content_type == "application/json"
            and asset.status.value == "rendered"
            and asset.storage_key
        ):
            try:
                post = json.loads(services().storage.open(asset.storage_key))
            except FileNotFoundError:
                continue
            posts[asset.id] = {**post, "share": share_links(post), "networks": NETWORKS}
    return posts
