from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing the package must not pull in Flask: app.rendering is used without it
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app: services from config (defaults: the environment), blueprints, CLI."""
    from flask import Flask

    from app.api import init_app as init_api
    from app.cli import register_cli
    from app.services import build_services
    from app.web import bp as web_bp

    app = Flask(__name__)
    services = build_services(config)
    app.config.update(services.config)
    app.extensions["cobrand"] = services
    app.register_blueprint(web_bp)
    init_api(app)  # /api/v1 and its webhooks; create-token and revoke-token commands
    register_cli(app)
    return app
