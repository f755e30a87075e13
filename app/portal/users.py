"""A partner organisation's users: its partner admin invites and removes them (partner users download)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from app.auth import roles
from app.auth.security import allow
from app.auth.users import create_user, deactivate_user, start_password_reset
from app.errors import CobrandError
from app.forms import FormErrors
from app.models import User, UserRole
from app.portal import bp
from app.portal.views import my_partner, services


def _users(partner_id: int) -> list[User]:
    with services().db.session() as db:
        return list(db.scalars(select(User).where(User.partner_id == partner_id).order_by(User.email)))


@bp.get("/users")
@allow(roles.PARTNER_ADMINS)
def users() -> str:
    with services().db.session() as db:
        partner = my_partner(db)
    return render_template("portal/users.html", partner=partner, users=_users(partner.id), errors=FormErrors(),
                           email="")  # fmt: skip


@bp.post("/users/invite")
@allow(roles.PARTNER_ADMINS)
def invite_user() -> object:
    """A new partner user (downloads only) of this organisation, with a set-your-password link."""
    from app.auth.views import log_reset_link, reset_link

    email = request.form.get("email", "").strip()
    errors = FormErrors()
    try:
        with services().db.session() as db:
            partner = my_partner(db)
            create_user(db, email, UserRole.PARTNER, partner_slug=partner.slug)
            issued = start_password_reset(db, email, purpose="invite")
    except CobrandError as exc:
        errors.add(exc, ["email"])
        with services().db.session() as db:
            partner = my_partner(db)
        return render_template("portal/users.html", partner=partner, users=_users(partner.id), errors=errors,
                               email=email), 400  # fmt: skip
    assert issued is not None
    log_reset_link(issued[0].email, issued[1])
    flash(
        gettext(
            "Invited %(email)s. Send them this link to set a password: %(link)s",
            email=issued[0].email,
            link=reset_link(issued[1]),
        ),
        "success",
    )
    return redirect(url_for("portal.users"))


@bp.post("/users/<int:user_id>/remove")
@allow(roles.PARTNER_ADMINS)
def remove_user(user_id: int) -> object:
    """Deactivate one of this organisation's users (never yourself); its sessions end at once."""
    with services().db.session() as db:
        partner = my_partner(db)
        user = db.get(User, user_id)
        if user is None or user.partner_id != partner.id:
            abort(404)
        if user.id == current_user.id:
            flash(gettext("You cannot remove yourself."), "error")
        else:
            deactivate_user(user)
            flash(gettext("Removed %(email)s.", email=user.email), "success")
    return redirect(url_for("portal.users"))
