"""Design templates in the console: upload a PDF or image, draw its zones, preview them live."""

from __future__ import annotations

import io
import json

from flask import Response, abort, flash, redirect, render_template, request, url_for

from app.auth.security import admin_required
from app.demo import SAMPLE_LANDING_URL
from app.designs import DesignStore, build_manifest, draft_template, save_design
from app.errors import CobrandError
from app.previews import preview_image, preview_partner
from app.rendering.design import page_image
from app.rendering.model import MASTER_FORMATS, CampaignInput, DesignOutput
from app.rendering.zones import ZONE_FIELDS, zone_json
from app.web import bp
from app.web.campaign_pages import _choices, audience_from_form
from app.web.content_pages import _partner_choices, _template_or_404
from app.web.views import jpeg, services

PAGE_WIDTH_PX = 1000
"""Page images for the zone editor: sharp enough to place a zone to the millimetre on A4."""


def _design_or_404(slug: str) -> tuple[DesignOutput, bool]:
    """The design output of a template, and whether it was uploaded (only uploads are edited here)."""
    template = _template_or_404(slug)
    design = next((o for o in template.outputs if isinstance(o, DesignOutput)), None)
    if design is None:
        abort(404)
    store = services().content.uploaded
    uploaded = isinstance(store, DesignStore) and store.manifest(slug) is not None
    return design, uploaded


@bp.route("/templates/upload", methods=["GET", "POST"])
@admin_required
def design_upload() -> object:
    error = None
    keys = ("slug", "title", "description", "field_key", "field_label", "field_max_length", "field_default")
    values: dict[str, object] = dict.fromkeys(keys, "")
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in keys}
        values["audience"] = audience_from_form(request.form)
        upload = request.files.get("master")
        try:
            if upload is None or not upload.filename:
                raise CobrandError("master: choose the design file (PDF, PNG, JPEG or WebP)")
            data = upload.read(services().config.MAX_DESIGN_BYTES + 1)
            upload.close()
            editable = {}
            if values["field_key"]:
                limit = str(values["field_max_length"] or "60")
                if not limit.isdigit():
                    raise CobrandError(f"field_max_length: {limit!r} is not a whole number")
                editable[str(values["field_key"])] = {"label": values["field_label"] or values["field_key"],
                                                      "max_length": int(limit), "default": values["field_default"]}  # fmt: skip
            manifest = build_manifest(title=str(values["title"]), description=str(values["description"]),
                                      master_name="master", zones=[], audience=values["audience"],
                                      editable=editable)  # fmt: skip
            saved = save_design(services(), str(values["slug"]), manifest, data, filename=upload.filename)
        except CobrandError as exc:
            error = str(exc)
        else:
            flash("Design uploaded. Draw its co-brand zones on the pages, then save.", "success")
            return redirect(url_for("console.design_zones", slug=saved.slug))
    return render_template("console/design_upload.html", error=error, values=values, errors={},
                           formats=", ".join(f.upper() for f in MASTER_FORMATS), **_choices())  # fmt: skip


@bp.get("/templates/<slug>/pages/<int:page>.png")
@admin_required
def design_page(slug: str, page: int) -> Response:
    design, _ = _design_or_404(slug)
    if not 1 <= page <= len(design.pages):
        abort(404)
    template = _template_or_404(slug)
    key = f"previews/{slug}/page-{page}-{template.version[:24]}-{PAGE_WIDTH_PX}.png"
    try:
        data = services().storage.open(key)
    except FileNotFoundError:
        out = io.BytesIO()
        page_image(design, page, PAGE_WIDTH_PX).save(out, format="PNG", compress_level=3)
        data = out.getvalue()
        services().storage.put(key, data, content_type="image/png")
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/templates/<slug>/zones", methods=["GET", "POST"])
@admin_required
def design_zones(slug: str) -> object:
    design, uploaded = _design_or_404(slug)
    template = _template_or_404(slug)
    error = None
    if request.method == "POST":
        if not uploaded:
            abort(404)
        store = services().content.uploaded
        assert isinstance(store, DesignStore)
        manifest = store.manifest(slug) or {}
        try:
            zones = json.loads(request.form.get("zones", "[]"))
            saved = save_design(services(), slug, {**manifest, "zones": zones})
        except ValueError:
            error = "zones: not valid JSON"
        except CobrandError as exc:
            error = str(exc)
        else:
            message = "Zones saved: version " + saved.version[:10]
            if saved.publishes:
                message += f"; {len(saved.publishes)} published campaign(s) are being re-rendered"
            flash(message + "." if saved.changed else "Nothing changed.", "success")
            return redirect(url_for("console.design_zones", slug=slug, partner=request.form.get("partner")))
    kit = services().content.brand_kit_slugs()[0]
    fonts = sorted({f.family for f in services().content.brand_kit(kit).fonts})
    pages = [{"width_mm": p.width_mm, "height_mm": p.height_mm,
              "url": url_for("console.design_page", slug=slug, page=n, v=template.version[:12])}
             for n, p in enumerate(design.pages, start=1)]  # fmt: skip
    return render_template(
        "console/design_zones.html",
        template=template,
        uploaded=uploaded,
        error=error,
        pages_json=json.dumps(pages),
        zones_json=request.form.get("zones") if error else json.dumps([zone_json(z) for z in design.zones]),
        fields_json=json.dumps(list(ZONE_FIELDS)),
        fonts=fonts,
        partners=_partner_choices(),
        partner_slug=request.args.get("partner") or "worst-case",
    )


@bp.post("/templates/<slug>/zones/preview")
@admin_required
def design_zones_preview(slug: str) -> Response:
    """The design rendered with the zones in the request body (unsaved) for a partner, as JPEG."""
    _, uploaded = _design_or_404(slug)
    payload = request.get_json(silent=True) or {}
    try:
        template = (
            draft_template(services(), slug, payload.get("zones", [])) if uploaded else _template_or_404(slug)
        )
        kit = services().content.brand_kit(services().content.brand_kit_slugs()[0])
        partner = preview_partner(services(), payload.get("partner"))
        campaign = CampaignInput(slug=f"preview-{slug}", title=template.title, landing_url=SAMPLE_LANDING_URL)
        return jpeg(preview_image(services(), kit, template, partner, campaign, template.output_ids()[0]))
    except CobrandError as exc:
        return Response(str(exc), status=422, mimetype="text/plain")
