"""Design templates: upload a PDF or image with its zones (a new upload is a new version), edit zones."""

from __future__ import annotations

from typing import Any

from flask import request

from app.api import bp
from app.api.bearer import services
from app.api.catalog import _template
from app.api.errors import ApiError, not_found
from app.api.registry import ADMIN, registry
from app.api.schemas import TEMPLATE
from app.api.serializers import template_json
from app.designs import build_manifest, save_design
from app.schemas.designs import DesignZones
from app.text_safety import loads_json

UPLOAD_FORM = {
    "type": "object",
    "properties": {
        "slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"},
        "title": {"type": "string", "maxLength": 200},
        "description": {"type": "string", "maxLength": 2000},
        "master": {"type": "string", "format": "binary", "description": "PDF, PNG, JPEG or WebP"},
        "zones": {"type": "string", "description": "JSON array of zones (docs/formats.md, Design template)"},
        "audience": {
            "type": "string",
            "description": 'JSON object: {"types": [...], "tiers": [...], "regions": [...]}',
        },
        "editable": {
            "type": "string",
            "description": 'JSON object: {"offer": {"label": "Offer", "max_length": 40}}',
        },
    },
    "required": ["slug", "title", "master", "zones"],
}
SAVED = {
    **TEMPLATE,
    "properties": {
        **TEMPLATE["properties"],
        "created": {"type": "boolean"},
        "changed": {"type": "boolean"},
        "publishes": {"type": "array", "items": {"type": "integer"}},
    },
}


def _json_field(name: str, default: Any) -> Any:
    raw = request.form.get(name)
    if raw is None or raw == "":
        return default
    try:
        return loads_json(raw)
    except ValueError as exc:
        raise ApiError(422, "invalid", f"{name}: not valid JSON ({exc.msg} at position {exc.pos})") from None


def _saved_json(slug: str, created: bool, changed: bool, publishes: list[int]) -> dict[str, Any]:
    return {**template_json(_template(slug)), "created": created, "changed": changed, "publishes": publishes}


@registry.route(bp, "POST", "/templates",
                summary="Upload a design (PDF, PNG, JPEG or WebP) with its zones as a template; "
                        "uploading the same slug again makes a new version and re-publishes its campaigns",
                access=ADMIN, upload=("multipart/form-data",), form=UPLOAD_FORM, response=SAVED, status=201,
                responses={200: ("application/json", SAVED)}, errors=(413, 415))  # fmt: skip
def upload_template() -> tuple[dict[str, Any], int]:
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type",
                       "send multipart/form-data with slug, title, master (the file), zones (JSON), "
                       "and optionally audience and editable (JSON)")  # fmt: skip
    limit = services().config.MAX_DESIGN_BYTES
    upload = request.files.get("master")
    if upload is None:
        raise ApiError(422, "invalid", "master: required, the design file (PDF, PNG, JPEG or WebP)")
    try:
        data = upload.read(limit + 1)
    finally:
        upload.close()
    if len(data) > limit:
        raise ApiError(413, "too_large", f"master: over the {limit:,}-byte limit")
    for name in ("slug", "title", "zones"):
        if not request.form.get(name):
            raise ApiError(422, "invalid", f"{name}: required")
    manifest = build_manifest(
        title=request.form["title"],
        description=request.form.get("description", ""),
        master_name="master",
        zones=_json_field("zones", None),
        audience=_json_field("audience", {}),
        editable=_json_field("editable", {}),
    )
    saved = save_design(services(), request.form["slug"], manifest, data, filename=upload.filename or "")
    return _saved_json(
        saved.slug, saved.created, saved.changed, saved.publishes
    ), 201 if saved.created else 200


@registry.route(bp, "PUT", "/templates/<template>/zones",
                summary="Replace an uploaded design's zones (a new version; its published campaigns re-render)",
                access=ADMIN, body=DesignZones, response=SAVED)  # fmt: skip
def put_zones(template: str, body: DesignZones) -> dict[str, Any]:
    store = services().content.uploaded
    manifest = store.manifest(template) if store is not None else None  # type: ignore[attr-defined]
    if manifest is None:
        raise not_found(f"uploaded design {template!r}")
    manifest = {**manifest, "zones": body.zones}
    saved = save_design(services(), template, manifest)
    return _saved_json(saved.slug, saved.created, saved.changed, saved.publishes)
