"""Sessions, CSRF and security headers for the server-rendered pages (console, portal, sign-in)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, redirect, render_template, request, session, url_for
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select

from app.auth import roles
from app.auth.users import SessionUser
from app.models import Partner, User, UserRole
from app.text_safety import loads_json

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


SESSION_VERSION, SIGNED_IN_AT, SEEN_AT = "_sv", "_at", "_seen"
"""Session keys: the user's session version at sign-in, when it signed in, when it was last seen."""

SEEN_RESOLUTION = 60
"""Seconds between updates of the last-seen time (so not every request rewrites the cookie)."""


def is_session_current(user: User, now: float | None = None) -> bool:
    """This cookie's session is still the user's: same session version, within lifetime and idle time."""
    now = time.time() if now is None else now
    config = current_app.extensions["cobrand"].config
    if session.get(SESSION_VERSION) != user.session_version:
        return False
    lifetime = config.SESSION_LIFETIME_HOURS * 3600
    idle = config.SESSION_IDLE_MINUTES * 60
    signed_in, seen = float(session.get(SIGNED_IN_AT, 0)), float(session.get(SEEN_AT, 0))
    if now - signed_in > lifetime or now - seen > idle:
        return False
    if now - seen > SEEN_RESOLUTION:
        session[SEEN_AT] = now
    return True


def start_session(user: User) -> None:
    """Sign user in on a fresh session: a new CSRF token, its session version, the clocks started."""
    session.clear()  # drops the old CSRF token and anything a visitor set before signing in
    now = time.time()
    session.permanent = True
    session[SESSION_VERSION] = user.session_version
    session[SIGNED_IN_AT] = session[SEEN_AT] = now
    login_user(LoginUser.of(user))


def end_session() -> None:
    """Sign out: this session and every other of the same user end (the session version moves on)."""
    from app.auth.users import end_sessions

    if current_user.is_authenticated:
        with current_app.extensions["cobrand"].db.session() as db:
            user = db.get(User, current_user.id)
            if user is not None:
                end_sessions(user)
    logout_user()
    session.clear()


@login_manager.user_loader
def _load_user(user_id: str) -> LoginUser | None:
    services = current_app.extensions["cobrand"]
    if not user_id.isdigit():
        return None
    with services.db.session() as db:
        row = db.execute(
            select(User, Partner.locale)
            .outerjoin(Partner, Partner.id == User.partner_id)
            .where(User.id == int(user_id))
        ).first()
        if row is None or not row[0].active or not is_session_current(row[0]):
            return None
        return LoginUser.of(row[0], row[1])


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.extensions["cobrand"].config.SESSION_COOKIE_SECURE:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if response.mimetype == "text/html":
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_security(app: Flask) -> None:
    """Sessions (Flask-Login), CSRF on every form (Flask-WTF), cookie flags and security headers."""
    settings = app.extensions["cobrand"].config
    secure = settings.SESSION_COOKIE_SECURE
    app.config.setdefault("REMEMBER_COOKIE_SECURE", secure)
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # tied to the session instead of a clock
    # The cookie's signature expires with the session lifetime; the server checks it too (is_session_current).
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=settings.SESSION_LIFETIME_HOURS)
    app.json = DepthLimitedJSON(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.after_request(_security_headers)
    # First of all before_request functions: CSRFProtect parses the form, so the cap must come before it.
    app.before_request_funcs.setdefault(None, []).insert(0, _cap_auth_bodies)


def _cap_auth_bodies() -> None:
    """Sign-in and password forms are tiny: a bigger body is refused (413) before it is read."""
    if request.blueprint == "auth":
        request.max_content_length = current_app.extensions["cobrand"].config.AUTH_MAX_BODY_BYTES


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect would make a good phishing link (and CR/LF a broken header)."""
    if not target or len(target) > 2000 or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    return target


F = TypeVar("F", bound=Callable[..., Any])


class DepthLimitedJSON(DefaultJSONProvider):
    """Request JSON refused (400) when nested deeper than MAX_JSON_DEPTH, instead of a RecursionError."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_json(s)


def declared_roles(view: Callable[..., Any]) -> frozenset[UserRole] | None:
    """The roles a view function declared with allow(), or None when it declared none."""
    return getattr(view, "allowed_roles", None)


def refuse(role: UserRole, allowed: frozenset[UserRole]) -> Any:
    """A user of the other side (console vs portal) gets 404, as if the page did not exist; 403 otherwise."""
    g.refused_role = role  # tests read it to tell a refusal from an ordinary 404
    if not any(r.is_console == role.is_console for r in allowed):
        abort(404)
    return render_template("error.html", code=403, title="Not allowed",
                           message=f"Your role ({role.value}) cannot do this."), 403  # fmt: skip


def allow(allowed: Iterable[UserRole]) -> Callable[[F], F]:
    """Declare (and enforce) the roles that may use a page; PUBLIC means no sign-in is needed."""
    allowed = frozenset(allowed)

    def decorator(view: F) -> F:
        if not allowed:
            view.allowed_roles = allowed  # type: ignore[attr-defined]
            return view

        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if current_user.role not in allowed:
                return refuse(current_user.role, allowed)
            if not current_user.role.is_console and current_user.partner_id is None:
                abort(404)
            return view(*args, **kwargs)

        wrapped.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


admin_required = allow(roles.ADMINS)
"""Console pages for admins only (prefer allow(...) with the narrowest set that fits)."""

partner_required = allow(roles.PORTAL)
"""Portal pages for every user of a partner organisation."""


def home_url() -> str:
    """Where a signed-in user starts: the console for console roles, the portal for partner roles."""
    if current_user.is_authenticated and not current_user.role.is_console:
        return url_for("portal.home")
    return url_for("console.dashboard")
