"""The REST API under /api/v1: thin views declared in one registry (registry.py) that also writes
the OpenAPI document. Inbound webhooks live in app/webhooks/inbound.py (their own blueprint)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    """Register the API and webhook blueprints, their CLI commands, and exempt them from CSRF."""
    from app.api.cli import register_token_commands
    from app.webhooks.inbound import bp as webhooks_bp

    app.register_blueprint(bp)
    app.register_blueprint(webhooks_bp)
    register_token_commands(app)
    exempt_from_csrf(app, bp, webhooks_bp)


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


from app.api import assets, campaigns, catalog, openapi, partners, subscriptions  # noqa: E402,F401  (views)
from app.api.access import add_rate_limit_headers  # noqa: E402
from app.api.errors import register_error_handlers  # noqa: E402

register_error_handlers(bp)
bp.after_request(add_rate_limit_headers)
