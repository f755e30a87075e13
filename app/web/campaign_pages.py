"""Campaigns: list, create and edit (with a live audience count), preview, publish, archive, thumbnail grid."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from app import approvals
from app.audience import eligible_partners
from app.auth import roles
from app.auth.security import allow
from app.campaigns import archive_campaign, eligible_count, save_campaign
from app.errors import CobrandError
from app.forms import FormErrors
from app.models import Asset, AssetStatus, Campaign, Partner, Publish, PublishTrigger
from app.previews import WORST_CASE, preview_image, preview_partner
from app.publishing import start_publish
from app.render_inputs import campaign_input
from app.rendering.audience import parse_audience
from app.web import bp
from app.web.dashboard import progress
from app.web.pagination import paginate
from app.web.program_views import choices as program_choices
from app.web.program_views import program
from app.web.views import jpeg, services

FIELDS = (
    "slug",
    "title",
    "template",
    "brand_kit",
    "types",
    "tiers",
    "min_tier",
    "regions",
    "countries",
    "attributes",
    "landing_url",
    "starts_at",
    "ends_at",
)
AUDIENCE_FIELDS = ("types", "tiers", "min_tier", "regions", "countries", "attributes")
ALIASES = {f"audience.{name}": name for name in AUDIENCE_FIELDS}


def audience_from_form(form: Any) -> dict[str, Any]:
    """The audience rules a campaign form (or the live count's query) sends."""
    attributes = {
        name: form.getlist(f"attributes.{name}")
        for name in program().attributes
        if form.getlist(f"attributes.{name}")
    }
    return {
        "types": form.getlist("types"),
        "tiers": form.getlist("tiers"),
        "min_tier": form.get("min_tier", "").strip(),
        "regions": form.getlist("regions"),
        "countries": [c.strip() for c in form.get("countries", "").split(",") if c.strip()],
        "attributes": attributes,
    }


def _campaign_or_404(campaign_id: int) -> Campaign:
    with services().db.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            abort(404)
        return campaign


def _choices() -> dict[str, Any]:
    content = services().content
    return {
        "templates": content.template_slugs(),
        "kits": content.brand_kit_slugs(),
        "types": program_choices("type"),
        "tiers": program_choices("tier"),
        "regions": program_choices("region"),
        "attributes": list(program().attributes.values()),
    }


def _form_from_campaign(campaign: Campaign) -> dict[str, Any]:
    audience = parse_audience(campaign.audience or {})[0].to_dict()
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "template": campaign.template_slug,
        "brand_kit": campaign.brand_kit_slug,
        "audience": audience,
        "landing_url": campaign.landing_url,
        "starts_at": campaign.starts_at.strftime("%Y-%m-%dT%H:%M") if campaign.starts_at else "",
        "ends_at": campaign.ends_at.strftime("%Y-%m-%dT%H:%M") if campaign.ends_at else "",
        "approval_required": campaign.approval_required,
    }


def _form_from_request() -> dict[str, Any]:
    form = request.form
    values: dict[str, Any] = {k: form.get(k, "").strip() for k in FIELDS if k not in AUDIENCE_FIELDS}
    values["audience"] = audience_from_form(form)
    values["approval_required"] = form.get("approval_required") == "on"
    return values


def _save(values: dict[str, Any], campaign_id: int | None) -> tuple[Campaign | None, FormErrors]:
    errors = FormErrors()
    choices = _choices()
    if campaign_id is None and not values["slug"]:
        errors["slug"] = "Give the campaign a slug: lowercase letters, digits and dashes."
    if not values["title"]:
        errors["title"] = "Give the campaign a title partners will recognise."
    if values["template"] not in choices["templates"]:
        errors["template"] = "Choose a template."
    if values["brand_kit"] not in choices["kits"]:
        errors["brand_kit"] = "Choose a brand kit."
    if errors:
        return None, errors
    data = {
        "title": values["title"],
        "template": values["template"],
        "brand_kit": values["brand_kit"],
        "audience": values["audience"],
        "landing_url": values["landing_url"],
        "starts_at": values["starts_at"] or None,
        "ends_at": values["ends_at"] or None,
        "approval_required": values.get("approval_required", False),
    }
    if campaign_id is None:
        data["slug"] = values["slug"]
        with services().db.session() as session:
            if session.scalar(select(Campaign.id).where(Campaign.slug == values["slug"])) is not None:
                errors["slug"] = f"A campaign called {values['slug']} already exists."
                return None, errors
    try:
        campaign, _created = save_campaign(services(), data, campaign_id=campaign_id)
    except CobrandError as exc:
        errors.add(exc, FIELDS, aliases=ALIASES)
        return None, errors
    return campaign, errors


@bp.get("/campaigns")
@allow(roles.CONSOLE)
def campaigns() -> str:
    from app.web.dashboard import latest_publishes

    status = request.args.get("status", "")
    with services().db.session() as session:
        query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
        if status in ("draft", "published", "archived"):
            query = query.where(Campaign.status == status)
        page = paginate(session, query)
        items = page.items
        publishes = latest_publishes(session)
        counts = {}
        for c in items:
            try:
                counts[c.id] = eligible_count(services(), session, c)
            except CobrandError:
                counts[c.id] = None
    rows = [(c, counts[c.id], progress(publishes[c.id]) if c.id in publishes else None) for c in items]
    return render_template("console/campaigns.html", rows=rows, status=status, page=page,
                           args={"status": status} if status else {})  # fmt: skip


@bp.route("/campaigns/new", methods=["GET", "POST"])
@allow(roles.EDITORS)
def campaign_new() -> object:
    choices = _choices()
    values: dict[str, Any] = {"audience": {}, "template": request.args.get("template", ""),
                              "brand_kit": choices["kits"][0] if len(choices["kits"]) == 1 else ""}  # fmt: skip
    errors = FormErrors()
    if request.method == "POST":
        values = _form_from_request()
        campaign, errors = _save(values, None)
        if campaign is not None:
            flash(
                f"Campaign {campaign.title or campaign.slug} created as a draft. Preview it, then publish.",
                "success",
            )
            return redirect(url_for("console.campaign_detail", campaign_id=campaign.id))
    return render_template("console/campaign_form.html", values=values, errors=errors, campaign=None,
                           **choices), 400 if errors else 200  # fmt: skip


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@allow(roles.EDITORS)
def campaign_edit(campaign_id: int) -> object:
    campaign = _campaign_or_404(campaign_id)
    values = _form_from_campaign(campaign)
    errors = FormErrors()
    if request.method == "POST":
        values = {**_form_from_request(), "slug": campaign.slug}
        saved, errors = _save(values, campaign.id)
        if saved is not None:
            flash("Campaign saved. Publish again to bring every partner's assets up to date.", "success")
            return redirect(url_for("console.campaign_detail", campaign_id=campaign.id))
    return render_template("console/campaign_form.html", values=values, errors=errors, campaign=campaign,
                           **_choices()), 400 if errors else 200  # fmt: skip


@bp.get("/campaigns/audience-count")
@allow(roles.CONSOLE)
def audience_count() -> dict[str, Any]:
    """How many partners a (not yet saved) audience reaches, for the form's live count."""
    args = request.args
    template = args.get("template", "")
    audience = audience_from_form(args)
    with services().db.session() as session:
        total = len(
            session.scalars(select(Partner.id).where(Partner.active, Partner.deleted_at.is_(None))).all()
        )
        if template not in services().content.template_slugs():
            return {"count": None, "total": total, "message": "Choose a template to count matching partners."}
        try:
            count = eligible_count(services(), session, Campaign(audience=audience, template_slug=template))
        except CobrandError as exc:
            return {"count": None, "total": total, "message": str(exc)}
    return {"count": count, "total": total, "message": f"{count} of {total} active partners match"}


def _sample_partners(campaign: Campaign, limit: int = 3) -> list[tuple[str, str]]:
    """A few eligible partners that differ (longest name, others) plus the worst case."""
    with services().db.session() as session:
        try:
            template = services().content.template(campaign.template_slug)
            partners = eligible_partners(session, campaign, template, services().content.program())
        except CobrandError:
            partners = []
    picks: list[Partner] = []
    if partners:
        picks.append(max(partners, key=lambda p: len(p.name)))
        for p in partners:
            if len(picks) >= limit:
                break
            if p not in picks and all(p.type != q.type for q in picks):
                picks.append(p)
    return [(p.slug, p.name) for p in picks] + [(WORST_CASE, gettext("Worst case (synthetic)"))]


@bp.get("/campaigns/<int:campaign_id>")
@allow(roles.CONSOLE)
def campaign_detail(campaign_id: int) -> str:
    campaign = _campaign_or_404(campaign_id)
    with services().db.session() as session:
        publish = session.scalar(
            select(Publish).where(Publish.campaign_id == campaign.id).order_by(Publish.id.desc())
        )
        try:
            eligible = eligible_count(services(), session, campaign)
            template = services().content.template(campaign.template_slug)
        except CobrandError as exc:
            eligible, template = None, None
            flash(str(exc), "error")
        partners = session.execute(
            select(Partner.slug, Partner.name).where(Partner.deleted_at.is_(None)).order_by(Partner.name)
        ).all()
    samples = _sample_partners(campaign)
    chosen = request.args.get("partner")
    if chosen and chosen not in [s for s, _ in samples]:
        name = dict(partners).get(chosen)
        if name:
            samples = [(chosen, name)] + samples
    with services().db.session() as session:
        steps = approvals.history(session, campaign.id)
    return render_template(
        "console/campaign.html",
        campaign=campaign,
        needs_approval=approvals.needs_approval(services(), campaign),
        approval_steps=steps,
        template=template,
        eligible=eligible,
        publish=progress(publish) if publish else None,
        samples=samples,
        partners=partners,
        chosen=chosen or "",
    )


@bp.get("/campaigns/<int:campaign_id>/preview/<partner_slug>/<output_id>.jpg")
@allow(roles.CONSOLE)
def campaign_preview(campaign_id: int, partner_slug: str, output_id: str) -> object:
    campaign = _campaign_or_404(campaign_id)
    content = services().content
    try:
        kit = content.brand_kit(campaign.brand_kit_slug)
        template = content.template(campaign.template_slug)
        if output_id not in template.output_ids():
            abort(404)
        partner = preview_partner(services(), partner_slug)
        width = 360 if request.args.get("size") == "small" else 560
        return jpeg(
            preview_image(
                services(), kit, template, partner, campaign_input(campaign), output_id, width=width
            )
        )
    except CobrandError:
        abort(404)


@bp.post("/campaigns/<int:campaign_id>/publish")
@allow(roles.EDITORS)
def campaign_publish(campaign_id: int) -> object:
    campaign = _campaign_or_404(campaign_id)
    try:
        publish_id = start_publish(services(), campaign.slug, trigger=PublishTrigger.CONSOLE)
    except CobrandError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Publishing started (publish {publish_id}). Progress updates below.", "success")
    return redirect(url_for("console.campaign_detail", campaign_id=campaign.id))


@bp.post("/campaigns/<int:campaign_id>/archive")
@allow(roles.EDITORS)
def campaign_archive(campaign_id: int) -> object:
    campaign = _campaign_or_404(campaign_id)
    archive_campaign(services(), campaign.id)
    flash(f"Campaign {campaign.title or campaign.slug} archived: partners no longer see it.", "success")
    return redirect(url_for("console.campaign_detail", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>/grid")
@allow(roles.CONSOLE)
def campaign_grid(campaign_id: int) -> str:
    campaign = _campaign_or_404(campaign_id)
    shown = [AssetStatus.RENDERED, AssetStatus.FAILED]
    with services().db.session() as session:
        with_assets = select(Asset.id).where(
            Asset.partner_id == Partner.id, Asset.campaign_id == campaign.id, Asset.status.in_(shown)
        )
        page = paginate(
            session, select(Partner).where(with_assets.exists()).order_by(Partner.name, Partner.id)
        )
        assets = session.scalars(
            select(Asset)
            .where(Asset.campaign_id == campaign.id, Asset.status.in_(shown),
                   Asset.partner_id.in_([p.id for p in page.items]))
            .order_by(Asset.output)
        ).all()  # fmt: skip
    grid: dict[int, tuple[Partner, list[Asset]]] = {p.id: (p, []) for p in page.items}
    for asset in assets:
        grid[asset.partner_id][1].append(asset)
    return render_template("console/campaign_grid.html", campaign=campaign, grid=list(grid.values()), page=page,
                           args={"campaign_id": campaign.id})  # fmt: skip
