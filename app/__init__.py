from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing the package must not pull in Flask: app.rendering is used without it
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app: services from config (defaults: the environment), blueprints, CLI."""
    from flask import Flask

    from app.api import init_app as init_api
    from app.auth.security import init_security
    from app.auth.views import bp as auth_bp
    from app.cli import register_cli
    from app.error_pages import init_app as init_error_pages
    from app.i18n import init_app as init_i18n
    from app.links.wsgi import ShortLinks
    from app.ops import init_app as init_ops
    from app.portal import bp as portal_bp
    from app.public_files import bp as public_files_bp
    from app.services import build_services
    from app.web import bp as web_bp
    from app.web import build_old_endpoint

    app = Flask(__name__)
    services = build_services(config)
    app.config.update(services.config)
    app.extensions["cobrand"] = services
    # /r/<code> is answered in front of Flask, behind the trusted-proxy fix init_ops wraps around it.
    app.wsgi_app = ShortLinks(app.wsgi_app, services)  # type: ignore[method-assign]
    init_ops(app)  # logging, trusted proxies, request ids and lines, /healthz /readyz /metrics, doctor
    init_security(app)  # sessions, CSRF on every form, cookie flags, security headers
    init_i18n(app)  # the user's language: catalogs compiled, the switcher's route
    init_error_pages(app)  # one wants_json: JSON or an HTML page for every error, 500 included
    app.register_blueprint(web_bp)  # the console
    app.url_build_error_handlers.append(build_old_endpoint)
    app.register_blueprint(auth_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(public_files_bp)  # /public/<hash>.png: e-mail images
    init_api(app)  # /api/v1 and its webhooks
    register_cli(app)
    return app
