"""GET /public/<name>: the public files e-mails refer to (embedded default of PUBLIC_ASSET_BASE_URL).

Only content-addressed names are served (a hash and an image extension), so nothing else in
storage is reachable here. In production PUBLIC_ASSET_BASE_URL points at a CDN or a
public-read bucket prefix holding the same `public/` keys, and this route is not used.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app

from app.assets import public_key
from app.auth.roles import public

bp = Blueprint("public_files", __name__)

NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|gif|webp)$")
TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


@bp.get("/public/<name>")
@public
def public_file(name: str) -> Response:
    match = NAME.match(name)
    if match is None:
        abort(404)
    try:
        data = current_app.extensions["cobrand"].storage.open(public_key(name))
    except FileNotFoundError:
        abort(404)
    response = Response(data, mimetype=TYPES[match.group(1)])
    # The name is the content's hash: it can be cached for good, by anyone.
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
