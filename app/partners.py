"""Partners: create, update (validated by app/schemas/partners.py), delete, logos. Imports live in app/partner_import.py."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from app import logo_retirement
from app.errors import PartnerNotFound
from app.models import Asset, AssetStatus, Partner, utcnow
from app.rendering.isolated import prepare_logo_isolated
from app.rendering.logos import LogoInfo, check_logo_bytes, prepare_logo, sanitize_svg
from app.rendering.program import PartnerProgram
from app.schemas import validate
from app.schemas.partners import PartnerCreate, PartnerUpdate
from app.services import Services

PartnerInput = dict[str, Any] | PartnerUpdate
"""Partner fields as given (validated here) or already validated by their schema."""


def _fields(model: type[PartnerUpdate], data: PartnerInput, program: PartnerProgram) -> dict[str, Any]:
    """Partner column values by the input's schema (app/schemas/partners.py); SchemaInvalid if it does not fit."""
    return (data if isinstance(data, PartnerUpdate) else validate(model, data, program)).values()


def get_partner(session: Session, slug: str) -> Partner:
    partner = session.scalar(select(Partner).where(Partner.slug == slug, Partner.deleted_at.is_(None)))
    if partner is None:
        raise PartnerNotFound(f"partner {slug!r} not found")
    return partner


def upsert_partner(session: Session, data: PartnerInput, program: PartnerProgram) -> tuple[Partner, bool]:
    """Create a partner or update the one with the same slug; returns (partner, created)."""
    clean = _fields(PartnerCreate, data, program)
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
    session: Session, partner: Partner, data: PartnerInput, program: PartnerProgram
) -> Partner:
    """Merge a partial update into a partner."""
    clean = _fields(PartnerUpdate, data, program)
    clean.pop("slug", None)
    for key, value in clean.items():
        setattr(partner, key, value)
    partner.updated_at = utcnow()
    session.flush()
    return partner


def delete_partner(services: Services, session: Session, partner: Partner) -> None:
    """Soft-delete a partner: mark it deleted and withdraw its assets (their files are deleted)."""
    from app.assets import withdraw_asset  # imported here: publishing is the heavier module

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
    return _checked_logo(data, source, config.MAX_LOGO_BYTES, config.MAX_LOGO_PIXELS,
                         config.LOGO_CHECK_TIMEOUT,
                         config.LOGO_CHECK_MEMORY_MB * 2**20)  # fmt: skip


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
