"""Brand kits and templates (content folders, versioned by their files' hash), and template previews."""

from __future__ import annotations

import io
import time
from typing import Any

from flask import Response, current_app
from PIL import Image

from app.api import bp
from app.api.bearer import caller, services
from app.api.errors import ApiError, not_found
from app.api.lookups import get_partner_or_404
from app.api.registry import TOKEN, Param, registry
from app.api.schemas import BRAND_KIT, SLUG, TEMPLATE
from app.api.serializers import brand_kit_json, template_json
from app.errors import BrandKitInvalid, TemplateInvalid
from app.models import Campaign
from app.partner_access import may_preview
from app.preview_cache import hit_preview_limit, previews
from app.render_inputs import campaign_input, partner_input
from app.rendering.fingerprint import fingerprint
from app.rendering.model import BrandKit, CampaignTemplate
from app.rendering.thumbnails import thumbnail

_LIST = {
    "type": "object",
    "properties": {"items": {"type": "array"}},
    "required": ["items"],
    "additionalProperties": False,
}


def _list_of(item: dict[str, Any]) -> dict[str, Any]:
    return {**_LIST, "properties": {"items": {"type": "array", "items": item}}}


@registry.route(bp, "GET", "/brand-kits", summary="List brand kits (invalid kits are left out)",
                access=TOKEN, response=_list_of(BRAND_KIT))  # fmt: skip
def list_brand_kits() -> dict[str, Any]:
    return {"items": [brand_kit_json(kit) for kit in _valid(services().content.brand_kit_slugs(), _kit)]}


@registry.route(bp, "GET", "/brand-kits/<brand_kit>", summary="Get a brand kit, with its version",
                access=TOKEN, response=BRAND_KIT)  # fmt: skip
def get_brand_kit(brand_kit: str) -> dict[str, Any]:
    return brand_kit_json(_kit(brand_kit))


@registry.route(bp, "GET", "/templates", summary="List campaign templates (invalid ones are left out)",
                access=TOKEN, response=_list_of(TEMPLATE))  # fmt: skip
def list_templates() -> dict[str, Any]:
    return {"items": [template_json(t) for t in _valid(services().content.template_slugs(), _template)]}


@registry.route(bp, "GET", "/templates/<template>", summary="Get a campaign template, with its version",
                access=TOKEN, response=TEMPLATE)  # fmt: skip
def get_template(template: str) -> dict[str, Any]:
    return template_json(_template(template))


PREVIEW_PARAMS = (
    Param("partner", SLUG, "The partner to preview for (a partner token: its own).", required=True),
    Param("brand_kit", SLUG, "Brand kit (default: the first one)."),
    Param("output", {"type": "string", "maxLength": 100}, "Output id (default: the template's first)."),
)


@registry.route(bp, "GET", "/templates/<template>/preview",
                summary="Preview a template for a partner: PNG of the first page or size, thumbnail-sized",
                access=TOKEN, query=PREVIEW_PARAMS, media="image/png",
                response={"type": "string", "format": "binary"})  # fmt: skip
def template_preview(template: str, query: dict[str, Any]) -> Response:
    tpl = _template(template)
    with services().db.session() as session:
        row = get_partner_or_404(session, query["partner"])
        if caller().partner_id is not None and not may_preview(services(), session, row, tpl.slug):
            raise not_found(f"template {template!r}")  # the same answer as for an unknown template
        partner = partner_input(services(), row)
    kit = _kit(query["brand_kit"] or next(iter(services().content.brand_kit_slugs()), ""))
    output = query["output"] or tpl.output_ids()[0]
    if output not in tpl.output_ids():
        raise not_found(
            f"output {output!r} of template {template!r} (outputs: {', '.join(tpl.output_ids())})"
        )
    check_preview_rate(f"token:{caller().token_id}")
    preview = campaign_input(
        Campaign(slug=f"preview-{tpl.slug}", title=tpl.title, landing_url="", overrides={})
    )
    key = f"api-preview/{fingerprint(kit, tpl, output, partner, preview)}"

    def make() -> bytes:
        rendered = services().renderer.render_one(kit, tpl, partner, preview, output)
        return png_thumbnail(rendered.data, rendered.content_type)

    return Response(previews.get_or_make(key, make), mimetype="image/png",
                    headers={"Cache-Control": "private, no-store"})  # fmt: skip


def check_preview_rate(key: str) -> None:
    """Previews cost a render each: their own, lower limit (PREVIEW_RATE_LIMIT per PREVIEW_RATE_WINDOW)."""
    limit = hit_preview_limit(current_app.extensions, services().config, key)
    if limit.exceeded:
        raise ApiError(429, "rate_limited", f"over {limit.limit} previews in this window; retry after {limit.reset}",
                       {"Retry-After": str(max(1, limit.reset - int(time.time())))})  # fmt: skip


def png_thumbnail(data: bytes, content_type: str) -> bytes:
    """The thumbnail of a rendered file (first page or the image), as PNG."""
    with Image.open(io.BytesIO(thumbnail(data, content_type))) as image:
        out = io.BytesIO()
        image.save(out, format="PNG")
    return out.getvalue()


def _kit(slug: str) -> BrandKit:
    """The brand kit (404 if there is no such folder; 422 naming the problem if it is invalid)."""
    if slug not in services().content.brand_kit_slugs():
        raise not_found(f"brand kit {slug!r}")
    return services().content.brand_kit(slug)


def _template(slug: str) -> CampaignTemplate:
    if slug not in services().content.template_slugs():
        raise not_found(f"template {slug!r}")
    return services().content.template(slug)


def _valid(slugs: list[str], load: Any) -> list[Any]:
    items = []
    for slug in slugs:
        try:
            items.append(load(slug))
        except (BrandKitInvalid, TemplateInvalid):
            continue  # a broken folder is reported by `flask lint`; listing the good ones still helps
    return items
