"""Partners: list with search and filters, create and edit (with logo), invite users."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

from app.auth import roles
from app.auth.security import allow
from app.auth.users import create_user, start_password_reset
from app.downloads import send_file
from app.errors import CobrandError, InvalidInput
from app.forms import FormErrors
from app.models import Partner, User, UserRole
from app.partners import store_logo, update_partner, upsert_partner
from app.schemas import validate
from app.schemas.partners import PartnerCreate, PartnerUpdate
from app.web import bp
from app.web.pagination import paginate
from app.web.program_views import choices, program
from app.web.views import services

FIELDS = (
    "slug",
    "name",
    "type",
    "tier",
    "region",
    "country",
    "locale",
    "website",
    "email",
    "phone",
    "address",
)


def _partner_or_404(slug: str) -> Partner:
    with services().db.session() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == slug, Partner.deleted_at.is_(None)))
        if partner is None:
            abort(404)
        return partner


def checked(model: type[PartnerUpdate], values: dict[str, Any], errors: FormErrors) -> PartnerUpdate | None:
    """The form's values by the partner schema; each bad field gets its message in errors."""
    try:
        return validate(model, values, program())
    except InvalidInput as exc:
        errors.add(exc, (*FIELDS, "active"))
        return None


def _logo_upload(errors: FormErrors) -> bytes | None:
    file = request.files.get("logo")
    if file is None or not file.filename:
        return None
    data = file.read()
    if not data:
        errors["logo"] = "The file is empty."
        return None
    return data


def _choices() -> dict[str, Any]:
    return {"types": choices("type"), "tiers": choices("tier"), "regions": choices("region")}


@bp.get("/partners")
@allow(roles.CONSOLE)
def partners() -> str:
    args = request.args
    q = args.get("q", "").strip()
    filters = {k: args.get(k, "") for k in ("type", "tier", "region")}
    with services().db.session() as session:
        query = select(Partner).where(Partner.deleted_at.is_(None)).order_by(Partner.name, Partner.id)
        if q:
            like = f"%{q}%"
            query = query.where(
                or_(Partner.name.ilike(like), Partner.slug.ilike(like), Partner.email.ilike(like))
            )
        for key, column in (("type", Partner.type), ("tier", Partner.tier), ("region", Partner.region)):
            if filters[key]:
                query = query.where(column == (program().resolve(key, filters[key]) or filters[key]))
        page = paginate(session, query)
        ids = [p.id for p in page.items]
        user_counts = dict(session.execute(  # type: ignore[arg-type]
            select(User.partner_id, func.count()).where(User.partner_id.in_(ids)).group_by(User.partner_id)
        ).all())  # fmt: skip
    args = {k: v for k, v in {"q": q, **filters}.items() if v}
    return render_template("console/partners.html", partners=page.items, page=page, args=args, q=q, filters=filters,
                           user_counts=user_counts, **_choices())  # fmt: skip


@bp.route("/partners/new", methods=["GET", "POST"])
@allow(roles.EDITORS)
def partner_new() -> object:
    values: dict[str, Any] = {"locale": "en"}
    errors = FormErrors()
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in FIELDS}
        fields = checked(PartnerCreate, values, errors)
        logo = _logo_upload(errors)
        if fields is not None and not errors:
            with services().db.session() as session:
                if session.scalar(select(Partner.id).where(Partner.slug == values["slug"])) is not None:
                    errors["slug"] = f"A partner called {values['slug']} already exists."
        if fields is not None and not errors:
            try:
                with services().db.session() as session:
                    partner, _ = upsert_partner(session, fields, program())
                    if logo is not None:
                        store_logo(services(), partner, logo, source="logo")
            except CobrandError as exc:
                errors.add(exc, (*FIELDS, "logo"))
            else:
                flash(f"Partner {values['name']} created.", "success")
                return redirect(url_for("console.partner_edit", slug=values["slug"]))
    return render_template("console/partner_form.html", values=values, errors=errors, partner=None,
                           **_choices()), 400 if errors else 200  # fmt: skip


@bp.route("/partners/<slug>/edit", methods=["GET", "POST"])
@allow(roles.EDITORS)
def partner_edit(slug: str) -> object:
    partner = _partner_or_404(slug)
    values: dict[str, Any] = {k: getattr(partner, k) for k in FIELDS}
    values["active"] = partner.active
    errors = FormErrors()
    editable = tuple(f for f in FIELDS if f != "slug")
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in editable} | {"slug": slug}
        values["active"] = request.form.get("active") == "on"
        fields = checked(PartnerUpdate, {k: values[k] for k in (*editable, "active")}, errors)
        logo = _logo_upload(errors)
        if fields is not None and not errors:
            try:
                with services().db.session() as session:
                    row = session.get(Partner, partner.id)
                    assert row is not None
                    update_partner(session, row, fields, program())
                    if logo is not None:
                        store_logo(services(), row, logo, source="logo")
            except CobrandError as exc:
                errors.add(exc, (*editable, "logo"))
            else:
                flash("Partner saved. Publish campaigns again to refresh this partner's assets.", "success")
                return redirect(url_for("console.partner_edit", slug=slug))
    with services().db.session() as session:
        users = session.scalars(select(User).where(User.partner_id == partner.id).order_by(User.email)).all()
    return render_template("console/partner_form.html", values=values, errors=errors, partner=partner, users=users,
                           **_choices()), 400 if errors else 200  # fmt: skip


@bp.get("/partners/<slug>/logo")
@allow(roles.CONSOLE)
def partner_logo(slug: str) -> object:
    partner = _partner_or_404(slug)
    if not partner.logo_key:
        abort(404)
    return send_file(services().storage, partner.logo_key, inline=True)


@bp.post("/partners/<slug>/invite")
@allow(roles.ADMINS)
def partner_invite(slug: str) -> object:
    """Create a partner user and show a set-your-password link (also logged, as there is no mail)."""
    from app.auth.views import log_reset_link, reset_link

    partner = _partner_or_404(slug)
    email = request.form.get("email", "").strip()
    errors = FormErrors()
    try:
        with services().db.session() as session:
            create_user(session, email, UserRole.PARTNER_ADMIN, partner_slug=partner.slug)
            issued = start_password_reset(session, email, purpose="invite")
    except CobrandError as exc:
        errors.add(exc, ["email"])
        with services().db.session() as session:
            users = session.scalars(
                select(User).where(User.partner_id == partner.id).order_by(User.email)
            ).all()
        values: dict[str, Any] = {k: getattr(partner, k) for k in FIELDS}
        values["active"] = partner.active
        return render_template("console/partner_form.html", values=values, errors=FormErrors(), partner=partner,
                               users=users, invite_errors=errors, invite_email=email, **_choices()), 400  # fmt: skip
    assert issued is not None
    log_reset_link(issued[0].email, issued[1])
    flash(
        f"Invited {issued[0].email}. Send them this link to set a password: {reset_link(issued[1])}",
        "success",
    )
    return redirect(url_for("console.partner_edit", slug=slug))
