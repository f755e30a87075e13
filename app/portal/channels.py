"""Portal doors for the e-mail and social outputs: HTML preview and download, copy, share links.

An e-mail asset is stored as one .eml (downloaded through the ordinary asset download); its
HTML part is served from here for the preview, "Copy HTML" and "Download .html".
"""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

from flask import Response, abort, request

from app import partner_access as access
from app.downloads import record_download
from app.portal import bp
from app.portal.views import my_partner, services
from app.web.security import partner_required

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
        asset = access.partner_asset(services(), db, my_partner(db), asset_id)
        if asset is None or asset.content_type != "message/rfc822":
            abort(404)
        try:
            data = services().storage.open(asset.storage_key or "")
        except FileNotFoundError:
            abort(404)
        download, copy = request.args.get("download") == "1", request.args.get("copy") == "1"
        if download or copy:
            record_download(db, asset, "portal")
    _, html, _ = email_parts(data)
    response = Response(html, mimetype="text/html")
    if download:
        name = (asset.filename or f"asset-{asset.id}.eml").rsplit(".", 1)[0] + ".html"
        response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response
