"""Operations: /healthz, /readyz and /metrics, one log line and one metric per request, the
request id, forwarded headers from trusted proxies only, and the `doctor` command."""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from app import metrics
from app.auth.roles import public
from app.ops import logs
from app.ops.proxy import TrustedProxyFix, address_in, parse_networks

bp = Blueprint("ops", __name__)
request_logger = logging.getLogger("cobrand.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
"""An X-Request-ID we pass on as it came; anything else is replaced by a fresh id."""

_SECRET_URL_PARTS = ("token", "secret", "password", "key")
"""URL variables and query parameters whose values a log line must not carry."""


def init_app(app: Flask) -> None:
    """Logging, trusted proxies, request ids, request lines and metrics, the ops endpoints, doctor."""
    from app.ops.doctor import register_doctor

    settings = app.extensions["cobrand"].config
    logs.configure_logging(settings)
    proxies = parse_networks(settings.TRUSTED_PROXIES, "TRUSTED_PROXIES")
    if proxies:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, proxies, settings.PROXY_COUNT)  # type: ignore[method-assign]
    app.extensions["cobrand_metrics_networks"] = parse_networks(settings.METRICS_ALLOW, "METRICS_ALLOW")
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(lambda exc: logs.reset_context())
    app.register_blueprint(bp)
    register_doctor(app)


def _start_request() -> None:
    logs.reset_context()
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    logs.bind(request_id=g.request_id)


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started else 0.0
    route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
    if request.endpoint not in ("ops.healthz", "ops.readyz", "ops.metrics_view"):
        fields: dict[str, Any] = {
            "method": request.method, "route": route, "path": _loggable_path(), "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1), "remote_addr": request.remote_addr, "scheme": request.scheme,
        }  # fmt: skip
        fields.update(_caller())
        request_logger.info("%s %s %s", request.method, fields["path"], response.status_code,
                            extra={"fields": fields})  # fmt: skip
    metrics.count_request(route, request.method, response.status_code, seconds)
    return response


def _loggable_path() -> str:
    """The path, with the values of secret-looking URL variables and query parameters masked."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if any(part in name.lower() for part in _SECRET_URL_PARTS) and str(value):
            path = path.replace(str(value), logs.MASK)
    if request.args:
        pairs = [
            f"{k}={logs.MASK if any(p in k.lower() for p in _SECRET_URL_PARTS) else v}"
            for k, v in request.args.items(multi=True)
        ]
        path += "?" + "&".join(pairs)
    return path


def _caller() -> dict[str, Any]:
    """Who made the request, when the view loaded the user (never loaded here just to log it)."""
    user = g.get("_login_user")  # where Flask-Login keeps the user it loaded for this request
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return {"user_id": user.id, "partner_id": user.partner_id}


# --- endpoints ----------------------------------------------------------------------------------


@bp.get("/healthz")
@public
def healthz() -> Response:
    """The process is alive and serving; nothing else is checked."""
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    """Ready when the database (at head), Redis (when configured) and storage all answer."""
    from app.ops.health import readiness

    checks = readiness(current_app.extensions["cobrand"])
    failing = [c.name for c in checks if not c.ok]
    body = {
        "status": "unavailable" if failing else "ready",
        "failing": failing,
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    return jsonify(body), 503 if failing else 200


@bp.get("/metrics")
@public
def metrics_view() -> Response:
    """Prometheus text exposition, for METRICS_ALLOW addresses or a bearer METRICS_TOKEN."""
    if not _may_read_metrics():
        return Response("metrics: send Authorization: Bearer <METRICS_TOKEN>, or scrape from METRICS_ALLOW\n",
                        status=403, mimetype="text/plain")  # fmt: skip
    body, content_type = metrics.exposition(current_app.extensions["cobrand"])
    return Response(body, content_type=content_type)


def _may_read_metrics() -> bool:
    token = current_app.extensions["cobrand"].config.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].strip(), str(token)):
        return True
    # Through a proxy we do not trust, the peer address is the proxy's, not the scraper's.
    through_untrusted_proxy = "X-Forwarded-For" in request.headers and not request.environ.get(
        "cobrand.via_trusted_proxy"
    )
    networks = current_app.extensions["cobrand_metrics_networks"]
    return not through_untrusted_proxy and address_in(request.remote_addr, networks)
