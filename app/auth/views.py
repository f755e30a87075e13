"""Sign in and out, password reset; the create-user and demo-users commands."""

from __future__ import annotations

import sys
import time
from urllib.parse import urlsplit

import click
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from app.auth import users
from app.errors import InvalidInput
from app.models import Partner, UserRole
from app.ratelimit import RateLimiter, build_rate_limiter
from app.services import Services
from app.web.forms import FormErrors
from app.web.security import LoginUser, home_url

bp = Blueprint("auth", __name__, cli_group=None)

DEMO_ADMIN = ("admin@cobrand.example", "demo-admin-password")
DEMO_PARTNER = ("partner@summit-it.example", "demo-partner-password")
DEMO_PARTNER_SLUG = "summit-it"


def _services() -> Services:
    return current_app.extensions["cobrand"]  # type: ignore[no-any-return]


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect would make a good phishing link."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _login_limiters() -> tuple[RateLimiter, RateLimiter]:
    """Per email address and per client address: slows password guessing on one account or many."""
    limiters = current_app.extensions.get("cobrand_login_limiters")
    if limiters is None:
        config = _services().config
        limiters = current_app.extensions["cobrand_login_limiters"] = (
            build_rate_limiter(config, limit_key="LOGIN_RATE_LIMIT", window_key="LOGIN_RATE_WINDOW"),
            build_rate_limiter(
                config, limit_key="LOGIN_RATE_LIMIT_PER_ADDRESS", window_key="LOGIN_RATE_WINDOW"
            ),
        )
    return limiters  # type: ignore[no-any-return]


def _too_many_attempts(email: str) -> int | None:
    """Count this attempt; the seconds to wait when over a limit, else None."""
    per_email, per_address = _login_limiters()
    results = [
        per_email.hit(f"login:{email.strip().lower()}"),
        per_address.hit(f"login-ip:{request.remote_addr}"),
    ]
    exceeded = [r for r in results if r.exceeded]
    if not exceeded:
        return None
    return max(1, max(r.reset for r in exceeded) - int(time.time()))


@bp.route("/login", methods=["GET", "POST"])
def login() -> object:
    if current_user.is_authenticated:
        return redirect(home_url())
    errors = FormErrors()
    email = request.form.get("email", "")
    if request.method == "POST":
        password = request.form.get("password", "")
        if not email.strip():
            errors["email"] = "Enter your email address."
        if not password:
            errors["password"] = "Enter your password."
        wait = None if errors else _too_many_attempts(email)
        if wait is not None:
            minutes = (wait + 59) // 60
            errors["_form"] = (
                f"Too many sign-in attempts. Wait {minutes} minute{'s' if minutes > 1 else ''} and try again."
            )
            return (
                render_template("auth/login.html", errors=errors, email=email),
                429,
                {"Retry-After": str(wait)},
            )
        if not errors:
            with _services().db.session() as session:
                user = users.authenticate(session, email, password)
                session_user = LoginUser(user.id, user.email, user.role, user.partner_id) if user else None
            if session_user is None:
                errors["_form"] = "That email and password do not match an active account."
            else:
                login_user(session_user)
                return redirect(_safe_next(request.args.get("next")) or home_url())
    status = 401 if errors.get("_form") else 400 if errors else 200
    return render_template("auth/login.html", errors=errors, email=email), status


@bp.post("/logout")
def logout() -> object:
    logout_user()
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> object:
    errors = FormErrors()
    email = request.form.get("email", "")
    if request.method == "POST":
        try:
            users.clean_email(email)
        except InvalidInput as exc:
            errors.add(exc, ["email"])
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


# --- commands -----------------------------------------------------------------------------------------


@bp.cli.command("create-user")
@click.argument("email")
@click.option("--admin", "is_admin", is_flag=True, help="A marketing-console user.")
@click.option("--partner", "partner_slug", default=None, help="A partner-portal user of this partner.")
def create_user_command(email: str, is_admin: bool, partner_slug: str | None) -> None:
    """Create a user and print a one-time password."""
    if is_admin == bool(partner_slug):
        click.echo("error: give exactly one of --admin or --partner SLUG", err=True)
        sys.exit(1)
    role = UserRole.ADMIN if is_admin else UserRole.PARTNER
    try:
        with _services().db.session() as session:
            user, password = users.create_user(session, email, role, partner_slug=partner_slug)
            user_email = user.email
    except InvalidInput as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"created {role.value} user {user_email}")
    click.echo(f"one-time password: {password}")
    click.echo("(change it after signing in: use 'Forgot your password?' on the sign-in page)")


@bp.cli.command("demo-users")
def demo_users_command() -> None:
    """Create (or reset) the demo admin and partner users and print their logins."""
    from sqlalchemy import select

    with _services().db.session() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == DEMO_PARTNER_SLUG))
        if partner is None:
            partner = session.scalar(
                select(Partner).where(Partner.deleted_at.is_(None)).order_by(Partner.slug)
            )
        logins = [(DEMO_ADMIN, UserRole.ADMIN, None)]
        if partner is not None:
            logins.append((DEMO_PARTNER, UserRole.PARTNER, partner.slug))
        for (email, password), role, slug in logins:
            user = users.find_user(session, email)
            if user is None:
                users.create_user(session, email, role, partner_slug=slug, password=password)
            else:
                user.password_hash = users.hash_password(password)
                user.active = True
        partner_name = partner.name if partner else None
    click.echo("Demo logins (development only):")
    click.echo(f"  marketing console  {DEMO_ADMIN[0]:28} password: {DEMO_ADMIN[1]}")
    if partner_name:
        click.echo(f"  partner portal     {DEMO_PARTNER[0]:28} password: {DEMO_PARTNER[1]}  ({partner_name})")
    else:
        click.echo("  (no partner user: import partners first)")
