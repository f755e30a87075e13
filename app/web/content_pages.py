"""Brand kits and campaign templates: lists with thumbnails, details with lint results and previews."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext
from sqlalchemy import select

from app.auth import roles
from app.auth.security import allow
from app.demo import SAMPLE_LANDING_URL
from app.errors import CobrandError
from app.models import Partner
from app.previews import WORST_CASE, preview_image, preview_partner, previous_template
from app.rendering.lint import lint_content
from app.rendering.model import CampaignInput, CampaignTemplate
from app.web import bp
from app.web.views import jpeg, services


def _template_or_404(slug: str) -> CampaignTemplate:
    try:
        return services().content.template(slug)
    except CobrandError:
        abort(404)


def _partner_choices() -> list[tuple[str, str]]:
    with services().db.session() as session:
        partners = session.execute(
            select(Partner.slug, Partner.name).where(Partner.deleted_at.is_(None)).order_by(Partner.name)
        ).all()
    return [(WORST_CASE, gettext("Worst case (longest name, tallest logo)"))] + [(s, n) for s, n in partners]


@bp.get("/brand-kits")
@allow(roles.CONSOLE)
def brand_kits() -> str:
    content = services().content
    kits, problems = [], {}
    for slug in content.brand_kit_slugs():
        try:
            kits.append(content.brand_kit(slug))
        except CobrandError as exc:
            problems[slug] = str(exc)
    return render_template("console/brand_kits.html", kits=kits, problems=problems,
                           templates=content.template_slugs())  # fmt: skip


@bp.get("/brand-kits/<slug>")
@allow(roles.CONSOLE)
def brand_kit(slug: str) -> str:
    content = services().content
    try:
        kit = content.brand_kit(slug)
    except CobrandError:
        abort(404)
    report = lint_content([content.brand_kit_dir(slug)], [], program_file=content.program_file)
    return render_template(
        "console/brand_kit.html", kit=kit, report=report, templates=content.template_slugs()
    )


@bp.get("/brand-kits/<slug>/logo/<variant>")
@allow(roles.CONSOLE)
def brand_kit_logo(slug: str, variant: str) -> object:
    from flask import send_file

    try:
        kit = services().content.brand_kit(slug)
    except CobrandError:
        abort(404)
    path = kit.logos.get(variant)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/svg+xml" if str(path).endswith(".svg") else None)


@bp.get("/templates")
@allow(roles.CONSOLE)
def templates() -> str:
    content = services().content
    items, problems = [], {}
    for slug in content.template_slugs():
        try:
            items.append(content.template(slug))
        except CobrandError as exc:
            problems[slug] = str(exc)
    return render_template("console/templates.html", templates=items, problems=problems,
                           kits=content.brand_kit_slugs())  # fmt: skip


def chosen_brand_kit(kits: list[str]) -> str | None:
    """?brand_kit= (or its old name ?kit=) if it names a kit, else the first kit."""
    asked = request.args.get("brand_kit") or request.args.get("kit")
    return asked if asked in kits else (kits[0] if kits else None)


@bp.get("/templates/<slug>")
@allow(roles.CONSOLE)
def template_detail(slug: str) -> str:
    content = services().content
    template = _template_or_404(slug)
    kits = content.brand_kit_slugs()
    brand_kit_slug = chosen_brand_kit(kits)
    partner_slug = request.args.get("partner") or WORST_CASE
    report = lint_content([], [content.template_dir(slug)], program_file=content.program_file)
    previous = previous_template(template)
    return render_template(
        "console/template.html",
        template=template,
        kits=kits,
        brand_kit_slug=brand_kit_slug,
        partner_slug=partner_slug,
        partners=_partner_choices(),
        report=report,
        previous=previous,
    )


@bp.get("/templates/<slug>/preview/<output_id>.jpg")
@allow(roles.CONSOLE)
def template_preview(slug: str, output_id: str) -> object:
    """One output rendered for a chosen partner (default: worst case); ?version=previous for the old one."""
    content = services().content
    template = _template_or_404(slug)
    if request.args.get("version") == "previous":
        previous = previous_template(template)
        if previous is None:
            abort(404)
        template = previous.template
    if output_id not in template.output_ids():
        abort(404)
    kits = content.brand_kit_slugs()
    brand_kit_slug = chosen_brand_kit(kits)
    if brand_kit_slug is None:
        abort(404)
    width = 360 if request.args.get("size") == "small" else 560
    try:
        kit = content.brand_kit(brand_kit_slug)
        partner = preview_partner(services(), request.args.get("partner"))
        campaign = CampaignInput(slug=f"preview-{slug}", title=template.title, landing_url=SAMPLE_LANDING_URL)
        return jpeg(preview_image(services(), kit, template, partner, campaign, output_id, width=width))
    except CobrandError:
        abort(404)
