"""The REST API under /api/v1: thin views declared in one registry (registry.py) that also writes
the OpenAPI document. Inbound webhooks live in inbound_webhooks.py (their own blueprint)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    """Register the API and webhook blueprints and exempt them from CSRF."""
    from app.api.inbound_webhooks import bp as webhooks_bp

    app.register_blueprint(bp)
    app.register_blueprint(webhooks_bp)
    exempt_from_csrf(app, bp, webhooks_bp)
    sweep_deliveries_when_inline_queue_starts(app)


def sweep_deliveries_when_inline_queue_starts(app: Flask) -> None:
    """In-process mode: the first request queues a sweep of pending webhook deliveries (their
    retries lived in the last process's memory); RQ workers sweep on their own (workers/worker.py)."""
    from app.jobs import JobOptions

    started: list[bool] = []

    def sweep_once() -> None:
        if started:
            return
        started.append(True)
        services = app.extensions["cobrand"]
        if not services.jobs.is_durable:  # in-process jobs died with the last process
            from app.webhooks.delivery import SWEEP_JOB

            services.jobs.enqueue(
                SWEEP_JOB, True, options=JobOptions(job_id="webhook-sweep-start", timeout=300, retries=0)
            )

    app.before_request(sweep_once)


def exempt_from_csrf(app: Flask, *blueprints: Blueprint) -> None:
    """Bearer tokens and signatures, not cookies, authenticate these blueprints: no CSRF token applies.

    CSRFProtect may be set up before or after this runs, so the exemption is also made by the first
    before_request function, which runs ahead of CSRFProtect's own check.
    """

    def exempt() -> None:
        csrf = app.extensions.get("csrf")
        if csrf is not None:
            for blueprint in blueprints:
                csrf.exempt(blueprint)

    exempt()
    app.before_request_funcs.setdefault(None, []).insert(0, exempt)


from app.api import analytics, assets, audit, campaigns, catalog, designs, openapi, partners, subscriptions  # noqa: E402,F401  (views)
from app.api.bearer import add_rate_limit_headers, authorize  # noqa: E402
from app.api.errors import register_error_handlers  # noqa: E402
from app.api.registry import registry  # noqa: E402

registry.authorize = authorize

register_error_handlers(bp)
bp.after_request(add_rate_limit_headers)
