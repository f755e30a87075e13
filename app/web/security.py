"""Sessions, CSRF and security headers for the server-rendered pages (console, portal, sign-in)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from app.auth.users import SessionUser
from app.models import User, UserRole

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Sign in to continue.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
"""No inline scripts or styles: every script is a static file."""


class LoginUser(SessionUser, UserMixin):
    """The signed-in user as Flask-Login sees it."""

    def get_id(self) -> str:
        return str(self.id)


@login_manager.user_loader
def _load_user(user_id: str) -> LoginUser | None:
    services = current_app.extensions["cobrand"]
    with services.db.session() as session:
        user = session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.active:
            return None
        return LoginUser(user.id, user.email, user.role, user.partner_id)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if response.mimetype == "text/html":
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_security(app: Flask) -> None:
    """Sessions (Flask-Login), CSRF on every form (Flask-WTF), cookie flags and security headers."""
    secure = bool(app.config.get("SESSION_COOKIE_SECURE"))
    app.config.setdefault("REMEMBER_COOKIE_SECURE", secure)
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # tied to the session instead of a clock
    csrf.init_app(app)
    login_manager.init_app(app)
    app.after_request(_security_headers)


F = TypeVar("F", bound=Callable[..., Any])


def admin_required(view: F) -> F:
    """Console pages: signed-in admins only (partners get 404, as if the page did not exist)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if current_user.role != UserRole.ADMIN:
            abort(404)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def partner_required(view: F) -> F:
    """Portal pages: signed-in partner users only."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if current_user.role != UserRole.PARTNER or current_user.partner_id is None:
            abort(404)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def home_url() -> str:
    """Where a signed-in user starts: the console for admins, the portal for partners."""
    if current_user.is_authenticated and current_user.role == UserRole.PARTNER:
        return url_for("portal.home")
    return url_for("web.dashboard")
