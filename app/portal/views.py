"""Portal pages. Every lookup is scoped to the signed-in partner: anything else is a 404."""

from __future__ import annotations

import base64
import dataclasses
import time
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from app import partner_access
from app.auth import roles
from app.auth.security import allow
from app.downloads import deliver_asset, deliver_bundle, send_file
from app.errors import CobrandError, InvalidInput
from app.forms import FormErrors
from app.models import Asset, AssetOutcome, Campaign, DownloadChannel, Partner, Publish, PublishTrigger
from app.partner_publish import publish_partner_assets
from app.partners import check_logo, store_logo, update_partner
from app.portal import bp
from app.preview_cache import hit_preview_limit
from app.previews import preview_image
from app.publish_progress import OUTCOMES
from app.render_inputs import campaign_input, partner_input, public_asset_base
from app.rendering.model import ImageOutput, SocialOutput
from app.rendering.thumbnails import thumbnail
from app.schemas import validate
from app.schemas.partners import PartnerUpdate
from app.services import Services

PROFILE_FIELDS = ("email", "phone", "website", "address")
PUBLISHING_KEY = "publishing"
"""Session key: the publish ids started for this partner's last profile or field change."""


def services() -> Services:
    return current_app.extensions["cobrand"]  # type: ignore[no-any-return]


def my_partner(session: Any) -> Partner:
    partner = session.get(Partner, current_user.partner_id)
    if partner is None or partner.deleted_at is not None:
        abort(404)
    return partner  # type: ignore[no-any-return]


def my_campaign_or_404(session: Any, slug: str) -> tuple[Partner, Campaign]:
    partner = my_partner(session)
    campaign = partner_access.visible_campaign(services(), session, partner, slug)
    if campaign is None:
        abort(404)
    return partner, campaign


def _social_posts(assets: list[Asset]) -> dict[int, dict[str, Any]]:
    from app.portal.channels import social_posts  # imported here: channels uses this module's helpers

    return social_posts(assets)


def my_progress(session: Any, partner: Partner, publish_ids: list[int]) -> dict[str, Any]:
    """Progress of this partner's own assets in the given publishes."""
    total = done = failed = 0
    for publish_id in publish_ids:
        publish = session.get(Publish, publish_id)
        if publish is None:
            continue
        total += publish.total
        outcomes = session.scalars(
            select(Asset.outcome).where(Asset.publish_id == publish_id, Asset.partner_id == partner.id)
        ).all()
        done += sum(1 for o in outcomes if o in OUTCOMES)
        failed += sum(1 for o in outcomes if o == AssetOutcome.FAILED)
    completed = done >= total
    return {"total": total, "done": done, "failed": failed, "completed": completed,
            "percent": 100 if total == 0 else round(100 * done / total)}  # fmt: skip


def publish_mine(partner_id: int, campaign_slugs: list[str]) -> list[int]:
    """Publish this partner's assets of these campaigns again; remember the publishes to show progress."""
    ids, errors = publish_partner_assets(
        services(), partner_id, campaign_slugs, trigger=PublishTrigger.PORTAL
    )
    for slug, exc in errors:
        flash(f"{slug}: {exc}", "error")
    session[PUBLISHING_KEY] = ids
    return ids


@bp.get("/")
@allow(roles.PORTAL)
def home() -> str:
    with services().db.session() as db:
        partner = my_partner(db)
        campaigns = partner_access.visible_campaigns(services(), db, partner)
        cards = [(c, partner_access.partner_assets(db, c, partner)) for c in campaigns]
    return render_template("portal/home.html", partner=partner, cards=cards)


@bp.get("/campaigns/<slug>")
@allow(roles.PORTAL)
def campaign(slug: str) -> str:
    with services().db.session() as db:
        partner, campaign = my_campaign_or_404(db, slug)
        assets = partner_access.partner_assets(db, campaign, partner)
        values = partner_access.field_values(db, campaign, partner)
        progress = (
            my_progress(db, partner, session.get(PUBLISHING_KEY, [])) if session.get(PUBLISHING_KEY) else None
        )
    template = services().content.template(campaign.template_slug)
    return render_template("portal/campaign.html", partner=partner, campaign=campaign, assets=assets,
                           template=template, values=values, errors=FormErrors(), previews=[],
                           progress=progress, posts=_social_posts(assets))  # fmt: skip


@bp.post("/campaigns/<slug>/fields")
@allow(roles.PARTNER_ADMINS)
def campaign_fields(slug: str) -> object:
    """Preview or generate the partner's version with its editable field values."""
    with services().db.session() as db:
        partner, campaign = my_campaign_or_404(db, slug)
        assets = partner_access.partner_assets(db, campaign, partner)
    template = services().content.template(campaign.template_slug)
    typed = {name: request.form.get(name, "") for name in template.editable_fields}
    errors = FormErrors()
    values: dict[str, str] = {}
    for name in template.editable_fields:
        try:
            values.update(
                partner_access.clean_field_values(
                    template, {**dict.fromkeys(template.editable_fields), name: typed[name]}
                )
            )
        except InvalidInput as exc:
            errors.add(exc, template.editable_fields)
    previews: list[tuple[str, str | None, str | None]] = []
    if not errors and request.form.get("action") == "generate":
        with services().db.session() as db:
            row = db.get(Campaign, campaign.id)
            partner_access.save_field_values(db, row, my_partner(db), values)
        publish_mine(partner.id, [campaign.slug])
        flash(gettext("Publishing your version now. Your assets update when it is done."), "success")
        return redirect(url_for("portal.campaign", slug=slug))
    if not errors:
        limit = hit_preview_limit(current_app.extensions, services().config, f"partner:{partner.id}")
        if limit.exceeded:
            wait = str(max(1, limit.reset - int(time.time())))
            errors["_form"] = f"Too many previews. Wait {wait} seconds and try again."
            return render_template("portal/campaign.html", partner=partner, campaign=campaign, assets=assets,
                                   template=template, values=typed, errors=errors, previews=[],
                                   progress=None), 429, {"Retry-After": wait}  # fmt: skip
        kit = services().content.brand_kit(campaign.brand_kit_slug)
        with services().db.session() as db:
            me = partner_input(services(), my_partner(db))
        for output_id in template.output_ids():
            try:
                data = preview_image(
                    services(), kit, template, me, campaign_input(campaign, values), output_id
                )
                previews.append(
                    (output_id, "data:image/jpeg;base64," + base64.b64encode(data).decode(), None)
                )
            except CobrandError as exc:
                previews.append((output_id, None, str(exc)))
    return render_template("portal/campaign.html", partner=partner, campaign=campaign, assets=assets,
                           template=template, values=typed, errors=errors, previews=previews,
                           progress=None, posts=_social_posts(assets)), 400 if errors else 200  # fmt: skip


@bp.get("/campaigns/<slug>/download.zip")
@allow(roles.PORTAL)
def campaign_zip(slug: str) -> Response:
    with services().db.session() as db:
        partner, campaign = my_campaign_or_404(db, slug)
        assets = [
            a for a in partner_access.partner_assets(db, campaign, partner) if a.status.value == "rendered"
        ]
        return deliver_bundle(services().storage, db, assets, "portal", f"{campaign.slug}-{partner.slug}.zip")


@bp.get("/assets/<int:asset_id>/download")
@allow(roles.PORTAL)
def download(asset_id: int) -> Response:
    with services().db.session() as db:
        asset = partner_access.partner_asset(services(), db, my_partner(db), asset_id)
        if asset is None:
            abort(404)
        return deliver_asset(services().storage, db, asset, DownloadChannel.PORTAL)


@bp.get("/assets/<int:asset_id>/thumbnail")
@allow(roles.PORTAL)
def asset_thumbnail(asset_id: int) -> Response:
    with services().db.session() as db:
        asset = partner_access.partner_asset(services(), db, my_partner(db), asset_id)
        if asset is None or not asset.thumbnail_key:
            abort(404)
    return send_file(services().storage, asset.thumbnail_key, inline=True)


@bp.get("/progress.json")
@allow(roles.PORTAL)
def publish_progress() -> dict[str, Any]:
    """Progress of the publishes this partner started (profile saved, "Publish my version")."""
    with services().db.session() as db:
        return my_progress(db, my_partner(db), session.get(PUBLISHING_KEY, []))


@bp.get("/regeneration.json")
@allow(roles.PORTAL)
def old_progress_url() -> Response:
    """The progress URL's old name (kept for one release)."""
    return redirect(url_for("portal.publish_progress"), 308)  # type: ignore[return-value]


def _profile_values(partner: Partner) -> dict[str, Any]:
    return {k: getattr(partner, k) for k in PROFILE_FIELDS}


@bp.route("/profile", methods=["GET", "POST"])
@allow(roles.PARTNER_ADMINS)
def profile() -> object:
    with services().db.session() as db:
        partner = my_partner(db)
        values = _profile_values(partner)
    errors = FormErrors()
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in PROFILE_FIELDS}
        fields = None
        try:
            fields = validate(PartnerUpdate, values, services().content.program())
        except InvalidInput as exc:
            errors.add(exc, PROFILE_FIELDS)
        file = request.files.get("logo")
        logo = file.read() if file is not None and file.filename else None
        if logo is not None and not logo:
            errors["logo"] = "The file is empty."
        if fields is not None and not errors:
            try:
                with services().db.session() as db:
                    row = my_partner(db)
                    update_partner(db, row, fields, services().content.program())
                    if logo:
                        store_logo(services(), row, logo, source=file.filename if file else "logo")
                    slugs = [c.slug for c in partner_access.visible_campaigns(services(), db, row)]
            except CobrandError as exc:
                errors.add(exc, (*PROFILE_FIELDS, "logo"))
                if "logo" not in errors and "_form" in errors:
                    errors["logo"] = errors.pop("_form")
            else:
                publish_mine(partner.id, slugs)
                flash(gettext("Profile saved. Your assets are being published again."), "success")
                return redirect(url_for("portal.profile"))
    with services().db.session() as db:
        progress = (
            my_progress(db, my_partner(db), session.get(PUBLISHING_KEY, []))
            if session.get(PUBLISHING_KEY)
            else None
        )
    return render_template("portal/profile.html", partner=partner, values=values, errors=errors,
                           progress=progress), 400 if errors else 200  # fmt: skip


@bp.get("/profile/logo")
@allow(roles.PARTNER_ADMINS)
def logo() -> Response:
    with services().db.session() as db:
        partner = my_partner(db)
    if not partner.logo_key:
        abort(404)
    return send_file(services().storage, partner.logo_key, inline=True)


@bp.post("/profile/logo-check")
@allow(roles.PARTNER_ADMINS)
def logo_check() -> tuple[dict[str, Any], int]:
    """Validate an uploaded logo at once and show it in a real asset, before anything is saved."""
    file = request.files.get("logo")
    data = file.read() if file is not None else b""
    if not data:
        return {"ok": False, "error": "Choose a logo file (PNG, JPEG, WebP or SVG)."}, 400
    config = services().config
    if hit_preview_limit(current_app.extensions, config, f"partner:{current_user.partner_id}").exceeded:
        return {"ok": False, "error": "Too many previews. Wait a minute and try again."}, 429
    name = file.filename if file is not None and file.filename else "logo"
    try:
        _, data = check_logo(services(), data, source=name)
    except CobrandError as exc:
        return {"ok": False, "error": str(exc)}, 422
    preview = None
    with services().db.session() as db:
        partner = my_partner(db)
        me = dataclasses.replace(partner_input(services(), partner), logo=data)
        campaigns = partner_access.visible_campaigns(services(), db, partner)
    base = public_asset_base(services().config)
    candidates = [
        (c.template_slug, c.brand_kit_slug, campaign_input(c, asset_base_url=base)) for c in campaigns
    ]
    for template_slug, brand_kit_slug, campaign_data in candidates:
        template = services().content.template(template_slug)
        image_outputs = [o for o in template.outputs if isinstance(o, ImageOutput | SocialOutput)]
        output_id = (
            f"{image_outputs[0].name}-{image_outputs[0].sizes[0].label}"
            if image_outputs
            else template.output_ids()[0]
        )
        try:
            kit = services().content.brand_kit(brand_kit_slug)
            rendered = services().renderer.render_one(kit, template, me, campaign_data, output_id)
            preview = (
                "data:image/jpeg;base64,"
                + base64.b64encode(
                    thumbnail(rendered.preview, "image/png", width=560)
                    if rendered.preview
                    else thumbnail(rendered.data, rendered.content_type, width=560)
                ).decode()
            )
        except CobrandError as exc:
            return {"ok": False, "error": str(exc)}, 400
        break
    return {
        "ok": True,
        "preview": preview,
        "message": "Looks good. Save to publish your assets again with it.",
    }, 200
