"""Partners: list and filter, create, get, update, delete (soft), upload a logo, list assets."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import select

from app.api import bp
from app.api.assets import asset_rows
from app.api.bearer import services
from app.api.errors import ApiError
from app.api.lookups import PAGE_PARAMS, get_partner_or_404, paginate, visible_partners
from app.api.registry import ADMIN, TOKEN, Param, registry
from app.api.schemas import ASSET, PARTNER, page_of
from app.api.serializers import asset_json, partner_json
from app.errors import UploadRejected
from app.models import Asset, Partner
from app.partners import delete_partner, store_logo, update_partner, upsert_partner
from app.schemas.partners import PartnerCreate, PartnerUpdate

LOGO_TYPES = ("image/png", "image/jpeg", "image/webp", "image/svg+xml", "multipart/form-data")
"""What a logo upload may be sent as: the raw file, or a form with a `file` field."""

FILTERS = (
    Param("type", {"type": "string", "x-program": "type"}, "Only partners of this type."),
    Param("tier", {"type": "string", "x-program": "tier"}, "Only partners of this tier."),
    Param("region", {"type": "string", "x-program": "region"}, "Only partners in this region."),
)


@registry.route(bp, "GET", "/partners", summary="List partners (a partner token sees only its own)",
                access=TOKEN, query=FILTERS + PAGE_PARAMS, response=page_of(PARTNER))  # fmt: skip
def list_partners(query: dict[str, Any]) -> dict[str, Any]:
    stmt = visible_partners(select(Partner)).order_by(Partner.slug)
    program = services().content.program()
    for name, column in (("type", Partner.type), ("tier", Partner.tier), ("region", Partner.region)):
        if query[name]:
            slug = program.resolve(name, query[name])
            if slug is None:
                raise ApiError(400, "bad_request", f"query parameter {name!r}: {query[name]!r} is not one of "
                               f"{', '.join(program.slugs(name))}")  # fmt: skip
            stmt = stmt.where(column == slug)
    with services().db.session() as session:
        return paginate(session, stmt, query, lambda row: partner_json(row[0]))


@registry.route(bp, "POST", "/partners", summary="Create a partner", access=ADMIN,
                body=PartnerCreate, response=PARTNER, status=201, errors=(409,))  # fmt: skip
def create_partner(body: PartnerCreate) -> tuple[dict[str, Any], int]:
    with services().db.session() as session:
        if get_live_partner(session, body.slug) is not None:
            raise ApiError(409, "conflict", f"partner {body.slug!r} already exists; PATCH it instead")
        partner, _ = upsert_partner(session, body, services().content.program())
        return partner_json(partner), 201


@registry.route(bp, "GET", "/partners/<partner>", summary="Get a partner", access=TOKEN, response=PARTNER)
def get_partner(partner: str) -> dict[str, Any]:
    with services().db.session() as session:
        return partner_json(get_partner_or_404(session, partner))


@registry.route(bp, "PATCH", "/partners/<partner>", summary="Update some of a partner's fields",
                access=ADMIN, body=PartnerUpdate, response=PARTNER)  # fmt: skip
def patch_partner(partner: str, body: PartnerUpdate) -> dict[str, Any]:
    with services().db.session() as session:
        row = update_partner(
            session, get_partner_or_404(session, partner), body, services().content.program()
        )
        return partner_json(row)


@registry.route(bp, "DELETE", "/partners/<partner>", summary="Delete a partner (its assets are withdrawn)",
                access=ADMIN, status=204)  # fmt: skip
def remove_partner(partner: str) -> tuple[str, int]:
    with services().db.session() as session:
        delete_partner(services(), session, get_partner_or_404(session, partner))
    return "", 204


@registry.route(bp, "PUT", "/partners/<partner>/logo", summary="Upload a partner's logo (PNG, JPEG, WebP or SVG)",
                access=ADMIN, upload=LOGO_TYPES, response=PARTNER, errors=(413, 415))  # fmt: skip
def upload_logo(partner: str) -> dict[str, Any]:
    data = logo_from_request()
    with services().db.session() as session:
        row = get_partner_or_404(session, partner)
        store_logo(services(), row, data, source=f"logo of partner {row.slug}")
        return partner_json(row)


@registry.route(bp, "GET", "/partners/<partner>/assets", summary="List a partner's assets",
                access=TOKEN, query=PAGE_PARAMS, response=page_of(ASSET))  # fmt: skip
def partner_assets(partner: str, query: dict[str, Any]) -> dict[str, Any]:
    with services().db.session() as session:
        row = get_partner_or_404(session, partner)
        return paginate(
            session, asset_rows(session).where(Asset.partner_id == row.id), query, lambda r: asset_json(*r)
        )


def get_live_partner(session: Any, slug: str) -> Partner | None:
    return session.scalar(select(Partner).where(Partner.slug == slug, Partner.deleted_at.is_(None)))  # type: ignore[no-any-return]


def logo_from_request() -> bytes:
    """The uploaded logo's bytes: 415 for another media type, 413 over MAX_LOGO_BYTES, 422 if empty."""
    limit = services().config.MAX_LOGO_BYTES
    if request.mimetype not in LOGO_TYPES:
        raise ApiError(415, "unsupported_media_type",
                       f"send the logo as {', '.join(LOGO_TYPES[:-1])}, or as multipart/form-data with a 'file' field; "
                       f"got {request.mimetype or 'no Content-Type'}")  # fmt: skip
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        raise ApiError(413, "too_large", f"the logo is over the {limit:,}-byte limit")
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(422, "invalid", "multipart upload: no 'file' field")
        data = upload.read(limit + 1)
    else:
        data = request.get_data()
    if len(data) > limit:
        raise ApiError(
            413, "too_large", f"the logo is over the {limit:,}-byte limit ({len(data):,} bytes or more)"
        )
    if not data:
        raise UploadRejected("logo: the file is empty")
    return data


IMPORT_TYPES = (
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "multipart/form-data",
)
"""What an import may be sent as: the raw CSV or XLSX, or a form with a `file` field."""
IMPORT_REPORT = {
    "type": "object",
    "properties": {
        "dry_run": {"type": "boolean"},
        "created": {"type": "integer"},
        "updated": {"type": "integer"},
        "rejected": {"type": "integer"},
        "unknown_values": {"type": "array", "items": {"type": "string"}},
        "ignored_columns": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["dry_run", "created", "updated", "rejected", "unknown_values", "rows"],
}


@registry.route(bp, "POST", "/partners/import",
                summary="Import partners from a PRM export (CSV or XLSX, columns mapped by the partner program)",
                access=ADMIN, upload=IMPORT_TYPES, response=IMPORT_REPORT, errors=(413, 415),
                query=(Param("dry_run", {"type": "string", "enum": ["true", "false"], "default": "false"},
                             "true: report what each row would do and write nothing."),))  # fmt: skip
def import_partners_api(query: dict[str, Any]) -> dict[str, Any]:
    from app.partner_import import import_partners

    if request.mimetype not in IMPORT_TYPES:
        raise ApiError(415, "unsupported_media_type",
                       f"send the export as text/csv, as XLSX, or as multipart/form-data with a 'file' field; "
                       f"got {request.mimetype or 'no Content-Type'}")  # fmt: skip
    filename = "export.xlsx" if "spreadsheet" in request.mimetype else "export.csv"
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(422, "invalid", "multipart upload: no 'file' field")
        data, filename = upload.read(), upload.filename or filename
    else:
        data = request.get_data()
    if not data:
        raise UploadRejected("import: the file is empty")
    # Logo file paths cannot be resolved from an upload (base=None); https logo URLs are fetched.
    return import_partners(services(), data, filename=filename, dry_run=query["dry_run"] == "true").as_json()
