"""Sign-in pages: sign in and out, password reset."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from app.auth import roles, users
from app.auth.security import allow, end_session, home_url, safe_next, start_session
from app.errors import InvalidInput
from app.forms import FormErrors
from app.ratelimit import RateLimiter, build_rate_limiter, limiter_key
from app.services import Services

bp = Blueprint("auth", __name__)


def _services() -> Services:
    return current_app.extensions["cobrand"]  # type: ignore[no-any-return]


def _limiters(name: str) -> tuple[RateLimiter, RateLimiter]:
    """(per email from one client address, per client address) limiters of LOGIN_* or RESET_* settings."""
    cache = current_app.extensions.setdefault("cobrand_auth_limiters", {})
    if name not in cache:
        config = _services().config
        cache[name] = (
            build_rate_limiter(config, limit_key=f"{name}_RATE_LIMIT", window_key=f"{name}_RATE_WINDOW"),
            build_rate_limiter(
                config, limit_key=f"{name}_RATE_LIMIT_PER_ADDRESS", window_key=f"{name}_RATE_WINDOW"
            ),
        )
    return cache[name]  # type: ignore[no-any-return]


def _limiter_keys(name: str, email: str) -> tuple[str, str]:
    # Hashed: untrusted text never becomes a key, and every key has the same small size.
    address = request.remote_addr or ""
    return limiter_key(name, email, address), limiter_key(name, address)


def _wait_seconds(name: str, email: str, *, count: bool) -> int | None:
    """Seconds to wait when email (from this address) or this address is over its limit, else None.

    With count, this attempt is counted first (reset links); sign-in counts only failures (_failed).
    """
    results = [
        (limiter.hit if count else limiter.peek)(key)
        for limiter, key in zip(_limiters(name), _limiter_keys(name, email), strict=True)
    ]
    exceeded = [r for r in results if (r.exceeded if count else r.remaining <= 0)]
    if not exceeded:
        return None
    return max(1, max(r.reset for r in exceeded) - int(time.time()))


def _failed(email: str) -> None:
    for limiter, key in zip(_limiters("LOGIN"), _limiter_keys("LOGIN", email), strict=True):
        limiter.hit(key)


def _too_many(template: str, what: str, errors: FormErrors, wait: int, **context: Any) -> object:
    minutes = (wait + 59) // 60
    errors["_form"] = f"Too many {what}. Wait {minutes} minute{'s' if minutes > 1 else ''} and try again."
    return render_template(template, errors=errors, **context), 429, {"Retry-After": str(wait)}


@bp.route("/login", methods=["GET", "POST"])
@allow(roles.PUBLIC)
def login() -> object:
    if current_user.is_authenticated:
        return redirect(home_url())
    errors = FormErrors()
    email = request.form.get("email", "")[: users.MAX_EMAIL_LENGTH + 1]
    if request.method == "POST":
        password = request.form.get("password", "")
        if not email.strip():
            errors["email"] = "Enter your email address."
        elif len(email.strip()) > users.MAX_EMAIL_LENGTH:
            errors["email"] = f"An email address has at most {users.MAX_EMAIL_LENGTH} characters."
        if not password:
            errors["password"] = "Enter your password."
        elif len(password) > users.MAX_PASSWORD_LENGTH:
            errors["password"] = f"A password has at most {users.MAX_PASSWORD_LENGTH} characters."
        # Validated before anything is counted; only failures count, so signing in works while under attack.
        wait = None if errors else _wait_seconds("LOGIN", email.strip().lower(), count=False)
        if wait is not None:
            return _too_many("auth/login.html", "sign-in attempts", errors, wait, email=email)
        if not errors:
            with _services().db.session() as session:
                user = users.authenticate(session, email, password)
                if user is not None:
                    start_session(user)
            if user is None:
                _failed(email.strip().lower())
                errors["_form"] = "That email and password do not match an active account."
            else:
                return redirect(safe_next(request.args.get("next")) or home_url())
    status = 401 if errors.get("_form") else 400 if errors else 200
    return render_template("auth/login.html", errors=errors, email=email), status


@bp.post("/logout")
@allow(roles.EVERYONE)
def logout() -> object:
    end_session()
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@allow(roles.PUBLIC)
def forgot_password() -> object:
    errors = FormErrors()
    email = request.form.get("email", "")
    if request.method == "POST":
        try:
            users.clean_email(email)
        except InvalidInput as exc:
            errors.add(exc, ["email"])
        wait = None if errors else _wait_seconds("RESET", email.strip().lower(), count=True)
        if wait is not None:
            return _too_many("auth/forgot.html", "reset requests", errors, wait, email=email)
        if not errors:
            with _services().db.session() as session:
                issued = users.start_password_reset(session, email)
            if issued is not None:
                log_reset_link(issued[0].email, issued[1])
            # The same answer whether or not the address has an account.
            flash(gettext("If that address has an account, a reset link is on its way."), "info")
            return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", errors=errors, email=email), 400 if errors else 200


def reset_link(token: str) -> str:
    return url_for("auth.reset_password", token=token, _external=True)


def log_reset_link(email: str, token: str) -> None:
    """Development has no mail server: the link goes to the log (off when cookies are Secure)."""
    if current_app.config.get("RESET_LINKS_IN_LOG", not current_app.config.get("SESSION_COOKIE_SECURE")):
        current_app.logger.warning("password reset link for %s: %s", email, reset_link(token))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@allow(roles.PUBLIC)
def reset_password(token: str) -> object:
    errors = FormErrors()
    with _services().db.session() as session:
        valid = users.user_for_reset_token(session, token) is not None
    if not valid:
        return render_template("auth/reset.html", invalid=True, errors=errors), 404
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            errors["confirm"] = "The two passwords differ."
        else:
            try:
                with _services().db.session() as session:
                    users.reset_password(session, token, password)
            except InvalidInput as exc:
                errors.add(exc, ["password"])
        if not errors:
            flash(gettext("Your password is set. Sign in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", invalid=False, errors=errors), 400 if errors else 200
