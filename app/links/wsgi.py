"""GET/HEAD /r/<code>: record the request, answer 302 to the partner's tagged landing URL.

The hottest path of the app, so it is plain WSGI in front of Flask (no request context,
session, CSRF or template): a cached lookup, a click queued in memory, three headers. Nothing
here touches Redis, so links keep working when it is down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from app import metrics
from app.links import is_code
from app.links.clicks import classify

PREFIX = "/r/"
ENDED_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>This offer has ended</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem">
<h1>This offer has ended</h1>
<p>The campaign behind this link is over. Your partner can tell you about current offers.</p>
</body></html>
"""
HEADERS = [
    # Every visit must reach us to be counted; search engines should index the landing page instead.
    ("Cache-Control", "no-store"),
    ("X-Robots-Tag", "noindex"),
    ("Referrer-Policy", "no-referrer"),
]
REQUEST_HEADERS = {
    "User-Agent": "HTTP_USER_AGENT",
    "Purpose": "HTTP_PURPOSE",
    "Sec-Purpose": "HTTP_SEC_PURPOSE",
    "X-Moz": "HTTP_X_MOZ",
    "X-Purpose": "HTTP_X_PURPOSE",
}

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class ShortLinks:
    """WSGI middleware: answers /r/<code> itself and passes everything else to the app."""

    def __init__(self, app: WsgiApp, services: Any) -> None:
        self.app, self.services = app, services

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        code = path[len(PREFIX) :]
        if method not in ("GET", "HEAD"):
            return _answer(start_response, "405 Method Not Allowed", [("Allow", "GET, HEAD")], b"", method)
        target = self.services.links.resolve(code) if is_code(code) else None
        if target is None:
            metrics.count_short_link_redirect("not_found")
            return _answer(start_response, "404 Not Found", [], b"No such link.\n", method)
        headers = {name: environ.get(key, "") for name, key in REQUEST_HEADERS.items()}
        kind, agent = classify(method, headers)
        self.services.clicks.record(
            link_id=target.link_id,
            campaign_id=target.campaign_id,
            partner_id=target.partner_id,
            channel=target.channel,
            kind=kind,
            agent=agent,
            client=environ.get("REMOTE_ADDR", ""),
            user_agent=headers["User-Agent"],
        )
        metrics.count_short_link_redirect("redirected" if target.url else "ended")
        if target.url is None:
            fallback = self.services.config.LINK_FALLBACK_URL
            if not fallback:
                return _answer(start_response, "410 Gone", [], ENDED_PAGE, method, "text/html; charset=utf-8")
            return _answer(start_response, "302 Found", [("Location", fallback)], b"", method)
        return _answer(start_response, "302 Found", [("Location", target.url)], b"", method)


def _answer(
    start_response: StartResponse,
    status: str,
    headers: list[tuple[str, str]],
    body: bytes,
    method: str,
    content_type: str = "text/plain; charset=utf-8",
) -> Iterable[bytes]:
    start_response(
        status,
        [*headers, *HEADERS, ("Content-Type", content_type), ("Content-Length", str(len(body)))],
    )
    return [] if method == "HEAD" else [body]
