"""Partners: validate, create, update, delete, logos. Imports live in app/partner_import.py."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app import logo_retirement
from app.errors import InvalidInput, PartnerNotFound
from app.models import Asset, AssetStatus, Partner, utcnow
from app.rendering.isolated import prepare_logo_isolated
from app.rendering.logos import LogoInfo, check_logo_bytes, prepare_logo, sanitize_svg
from app.rendering.problems import SLUG
from app.rendering.program import DIMENSIONS, PartnerProgram
from app.services import Services

REQUIRED_COLUMNS = ("slug", "name", "type", "tier", "region")
"""Fields every partner has (the region may be implied by the country)."""
TEXT_LIMITS = {
    "name": 200,
    "country": 2,
    "locale": 16,
    "website": 500,
    "email": 254,
    "phone": 64,
    "address": 500,
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _choice(program: PartnerProgram, dimension: str, value: Any) -> str:
    slug = program.resolve(dimension, value)
    if slug is None:
        allowed = ", ".join(program.slugs(dimension))
        raise InvalidInput(f"{dimension}: {str(value).strip()!r} is not one of {allowed}")
    return slug


def clean_partner_fields(
    data: dict[str, Any], program: PartnerProgram, *, partial: bool = False
) -> dict[str, Any]:
    """Validate partner fields from any source (CSV, API, form, webhook); returns model values.

    Type, tier and region are resolved through the partner program (slug, label or alias, any
    case); a missing region is implied by the country when the program's regions list it.
    """
    clean: dict[str, Any] = {}
    data = dict(data)
    if not str(data.get("region") or "").strip() and str(data.get("country") or "").strip():
        implied = program.region_for_country(str(data["country"]))
        if implied:
            data["region"] = implied
    if not partial:
        missing = [k for k in REQUIRED_COLUMNS if not str(data.get(k) or "").strip()]
        if missing:
            raise InvalidInput(f"missing required field(s): {', '.join(missing)}")
    if "slug" in data:
        slug = str(data["slug"]).strip()
        if not SLUG.match(slug) or len(slug) > 64:
            raise InvalidInput(f"slug: {slug!r} must be lowercase letters, digits and dashes (max 64)")
        clean["slug"] = slug
    for dimension in DIMENSIONS:
        if dimension in data:
            clean[dimension] = _choice(program, dimension, data[dimension])
    for name, limit in TEXT_LIMITS.items():
        if name in data and data[name] is not None:
            value = str(data[name]).strip()
            if len(value) > limit:
                raise InvalidInput(f"{name}: {len(value)} characters, over the limit of {limit}")
            clean[name] = value
    if "name" in clean and not clean["name"]:
        raise InvalidInput("name: required")
    if clean.get("email") and not EMAIL.match(clean["email"]):
        raise InvalidInput(f"email: {clean['email']!r} is not an email address")
    if clean.get("country"):
        clean["country"] = clean["country"].upper()
        if not re.match(r"^[A-Z]{2}$", clean["country"]):
            raise InvalidInput(f"country: {clean['country']!r} is not a two-letter ISO code")
    if clean.get("website") and not re.match(
        r"^(https?://)?[\w.-]+\.[a-z]{2,}(/\S*)?$", clean["website"], re.I
    ):
        raise InvalidInput(f"website: {clean['website']!r} is not a web address")
    if "active" in data and data["active"] is not None:
        value = data["active"]
        if isinstance(value, str):
            if value.strip().lower() not in ("true", "false", "1", "0", "yes", "no", ""):
                raise InvalidInput(f"active: {value!r} is not true or false")
            value = value.strip().lower() in ("true", "1", "yes", "")
        clean["active"] = bool(value)
    if "custom_fields" in data and data["custom_fields"] is not None:
        if not isinstance(data["custom_fields"], dict):
            raise InvalidInput("custom_fields: must be an object of strings")
        clean["custom_fields"] = {str(k): str(v) for k, v in data["custom_fields"].items()}
    if "attributes" in data and data["attributes"] is not None:
        if not isinstance(data["attributes"], dict):
            raise InvalidInput("attributes: must be an object of attribute → value(s)")
        attributes: dict[str, Any] = {}
        for name, value in data["attributes"].items():
            try:
                cleaned = program.clean_attribute(str(name), value)
            except ValueError as exc:
                raise InvalidInput(str(exc)) from None
            if cleaned:
                attributes[str(name)] = cleaned
        clean["attributes"] = attributes
    return clean


def get_partner(session: Session, slug: str) -> Partner:
    partner = session.scalar(select(Partner).where(Partner.slug == slug, Partner.deleted_at.is_(None)))
    if partner is None:
        raise PartnerNotFound(f"partner {slug!r} not found")
    return partner


def upsert_partner(session: Session, data: dict[str, Any], program: PartnerProgram) -> tuple[Partner, bool]:
    """Create a partner or update the one with the same slug; returns (partner, created)."""
    clean = clean_partner_fields(data, program)
    partner = session.scalar(select(Partner).where(Partner.slug == clean["slug"]))
    created = partner is None or partner.deleted_at is not None
    if partner is None:
        partner = Partner(**clean)
        session.add(partner)
    else:
        for key, value in clean.items():
            setattr(partner, key, value)
        partner.deleted_at = None
    session.flush()
    return partner, created


def update_partner(
    session: Session, partner: Partner, data: dict[str, Any], program: PartnerProgram
) -> Partner:
    """Merge a partial update into a partner."""
    clean = clean_partner_fields(data, program, partial=True)
    clean.pop("slug", None)
    for key, value in clean.items():
        setattr(partner, key, value)
    partner.updated_at = utcnow()
    session.flush()
    return partner


def delete_partner(services: Services, session: Session, partner: Partner) -> None:
    """Soft-delete a partner: mark it deleted and withdraw its assets (their files are deleted)."""
    from app.publishing import withdraw_asset  # imported here: publishing is the heavier module

    partner.deleted_at = utcnow()
    for asset in session.scalars(
        select(Asset).where(Asset.partner_id == partner.id, Asset.status != AssetStatus.WITHDRAWN)
    ):
        withdraw_asset(services, asset)
    session.flush()


@lru_cache(maxsize=256)
def _checked_logo(
    data: bytes, source: str, max_bytes: int, max_pixels: int, timeout: float, memory_bytes: int
) -> tuple[LogoInfo, bytes]:
    """(info, bytes to store) of a logo that passed every check; a refusal raises.

    Cached: an import of thousands of rows sharing a few logo files checks each file once.
    """
    info = check_logo_bytes(data, source=source, max_bytes=max_bytes, max_pixels=max_pixels)
    if info.kind != "svg":
        prepare_logo(data, source, max_bytes=max_bytes, max_pixels=max_pixels)  # also refuses empty images
        return info, data
    prepare_logo_isolated(data, source, timeout=timeout, memory_bytes=memory_bytes)
    return info, sanitize_svg(data, source=source)


def check_logo(services: Services, data: bytes, *, source: str = "logo") -> tuple[LogoInfo, bytes]:
    """Validate an uploaded logo (type, size, pixels, SVG budget) and draw it once (an SVG in a limited
    child process); returns its info and the bytes to store (an SVG sanitised against the allowlist)."""
    config = services.config
    return _checked_logo(data, source, int(config["MAX_LOGO_BYTES"]), int(config["MAX_LOGO_PIXELS"]),
                         float(config.get("LOGO_CHECK_TIMEOUT", 10)),
                         int(config.get("LOGO_CHECK_MEMORY_MB", 1024)) * 2**20)  # fmt: skip


def store_logo(services: Services, partner: Partner, data: bytes, *, source: str = "logo") -> None:
    """Validate a logo by its bytes (type, size, pixels, SVG budget) and attach it to the partner.

    SVGs are stored sanitised: only allowlisted elements and attributes, no script, event handler
    or outside reference.
    """
    info, stored = check_logo(services, data, source=source)
    digest = hashlib.sha256(stored).hexdigest()
    extension = {"jpeg": "jpg"}.get(info.kind, info.kind)
    # Keyed by content: partners with the same logo share one object, and an import of thousands
    # of rows writes each distinct logo once.
    key = f"partner-logos/{digest}.{extension}"
    session = object_session(partner)
    if key != partner.logo_key and session is not None:
        logo_retirement.check_quota(services, session, partner, len(stored))
        logo_retirement.retire(services, session, partner, partner.logo_key, key)
    if not services.storage.exists(key) or (session is not None and logo_retirement.is_retired(session, key)):
        services.storage.put(key, stored, content_type=LOGO_CONTENT_TYPES[extension])
    partner.logo_key = key
    partner.logo_sha256 = digest
    partner.updated_at = utcnow()


LOGO_CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "svg": "image/svg+xml"}
"""The content type recorded for a stored logo, by the extension its key was given at intake."""


def logo_content_type(key: str) -> str:
    """The recorded content type of a stored logo (from its key's extension, set from its bytes)."""
    return LOGO_CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")
