"""Uploaded design templates: checked, stored, materialised as template folders, re-published.

An upload (API or console) is untrusted: the master goes through rendering.intake in a
limited child process before anything is stored, then the template folder it makes
(template.toml + master) is validated like any folder template. The master is stored in
storage once per content hash and the manifest in the `design_templates` row; each machine
materialises a template folder from them on first use (`DesignStore.template_dir`), so the
renderer reads designs exactly like templates from git. A new version re-publishes every
published campaign that uses the template.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app.config import Settings
from app.design_store import DesignStore, write_folder
from app.errors import InvalidInput
from app.models import Campaign, CampaignStatus, DesignTemplate, PublishTrigger
from app.rendering.audience import parse_audience
from app.rendering.intake import IntakeLimits, MasterFile, check_master
from app.rendering.model import CampaignTemplate
from app.rendering.problems import SLUG
from app.rendering.template import MANIFEST, check_template
from app.rendering.versioning import folder_version

if TYPE_CHECKING:
    from app.services import Services

FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def intake_limits(config: Settings) -> IntakeLimits:
    return IntakeLimits(
        max_bytes=config.MAX_DESIGN_BYTES,
        max_pages=config.MAX_DESIGN_PAGES,
        max_objects=config.MAX_DESIGN_OBJECTS,
        timeout_seconds=config.DESIGN_PARSE_TIMEOUT,
    )


def _problem_lines(problems: list[str]) -> str:
    """Validation problems without the temporary folder's path: `where: problem; …`."""
    return "; ".join(line.split(": ", 1)[1] if ": " in line else line for line in problems)


def build_manifest(*, title: str, description: str, master_name: str, zones: Any, audience: Any,
                   editable: Any) -> dict[str, Any]:  # fmt: skip
    """The manifest of an upload, its shape checked (values are checked by the template loader)."""
    if not isinstance(title, str) or not title.strip():
        raise InvalidInput("title: required, a non-empty string")
    if not isinstance(zones, list) or not all(isinstance(z, dict) for z in zones):
        raise InvalidInput("zones: a JSON array of zone objects is required")
    rules, problems = parse_audience(audience or {})
    if problems:
        raise InvalidInput("; ".join(problems))
    editable = editable or {}
    if not isinstance(editable, dict):
        raise InvalidInput(
            'editable: a JSON object of fields, e.g. {"offer": {"label": "Offer", "max_length": 40}}'
        )
    for key, spec in editable.items():
        if not FIELD_KEY.match(key) or not isinstance(spec, dict):
            raise InvalidInput(
                f"editable.{key}: a field name of lowercase letters, digits and _ with an object"
            )
        unknown = set(spec) - {"label", "max_length", "default"}
        if unknown:
            raise InvalidInput(
                f"editable.{key}: unknown key {sorted(unknown)[0]!r} (label, max_length, default)"
            )
    for index, zone in enumerate(zones):
        for name, value in zone.items():
            if not re.match(r"^[a-z_]+$", str(name)) or not isinstance(
                value, str | int | float | bool | list
            ):
                raise InvalidInput(f"zones[{index}].{name}: not a zone field with a plain value")
    return {
        "kind": "design",
        "title": title.strip(),
        "description": description or "",
        "master": master_name,
        "output": "design",
        "audience": rules.to_dict(),
        "editable": editable,
        "zones": zones,
    }


DRAFTS_KEPT = 64
"""Unsaved zone layouts kept on disk for the editor's live preview (oldest removed first)."""


def _prune_drafts(drafts: Path) -> None:
    if not drafts.is_dir():
        return
    folders = sorted(drafts.iterdir(), key=lambda p: p.stat().st_mtime)
    for old in folders[: max(0, len(folders) - DRAFTS_KEPT + 1)]:
        shutil.rmtree(old, ignore_errors=True)


def check_design(slug: str, manifest: dict[str, Any], master: bytes) -> tuple[CampaignTemplate, str]:
    """Validate the folder an upload makes, in a scratch folder; returns the template and its version."""
    scratch = Path(tempfile.mkdtemp(prefix="cobrand-design-"))
    try:
        folder = scratch / slug
        write_folder(folder, manifest, master)
        template, problems = check_template(folder)
        if template is None:
            raise InvalidInput(_problem_lines(problems))
        return template, folder_version(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True)
class SavedDesign:
    slug: str
    version: str
    created: bool
    changed: bool
    publishes: list[int]


def save_design(services: Services, slug: str, manifest: dict[str, Any], master: bytes | None = None,
                *, filename: str = "") -> SavedDesign:  # fmt: skip
    """Store a design template (master: the new file; None keeps the stored one) and re-publish it."""
    if not isinstance(slug, str) or not SLUG.match(slug) or len(slug) > 64:
        raise InvalidInput(f"slug: {slug!r} is not a slug of lowercase letters, digits and dashes")
    if (services.content.templates_dir / slug / MANIFEST).is_file():
        raise InvalidInput(f"slug: {slug!r} is a template folder in git; choose another slug")
    with services.db.session() as session:
        row = session.scalar(select(DesignTemplate).where(DesignTemplate.slug == slug))
        if master is None:
            if row is None:
                raise InvalidInput(f"template {slug!r}: no design uploaded yet")
            master = services.storage.open(row.master_key)
            fmt = row.master_format
            filename = row.master_filename
        else:
            # Untrusted: parsed in a limited child process; nothing is stored if it is refused.
            accepted: MasterFile = check_master(master, filename or "master", intake_limits(services.config))
            fmt = accepted.format
        extension = {"pdf": "pdf", "png": "png", "jpeg": "jpg", "webp": "webp"}[fmt]
        manifest = {**manifest, "master": f"master.{extension}"}
        _, version = check_design(slug, manifest, master)
        if row is not None and row.version == version:
            return SavedDesign(slug, version, False, False, [])
        key = f"designs/{slug}/{hashlib.sha256(master).hexdigest()}.{extension}"
        if not services.storage.exists(key):
            media = "application/pdf" if fmt == "pdf" else f"image/{fmt}"
            services.storage.put(key, master, content_type=media, filename=filename or None)
        created = row is None
        if row is None:
            row = DesignTemplate(slug=slug)
            session.add(row)
        row.title = manifest["title"]
        row.version = version
        row.master_key = key
        row.master_format = fmt
        row.master_filename = filename[:255]
        row.manifest = manifest
        campaigns = list(
            session.scalars(
                select(Campaign.slug).where(
                    Campaign.template_slug == slug, Campaign.status == CampaignStatus.PUBLISHED
                )
            )
        )
    from app.publishing import start_publish

    publishes = [start_publish(services, campaign, trigger=PublishTrigger.TEMPLATE) for campaign in campaigns]
    return SavedDesign(slug, version, created, True, publishes)


def draft_template(services: Services, slug: str, zones: Any) -> CampaignTemplate:
    """An uploaded design with other zones, unsaved (the zone editor's live preview)."""
    store = services.content.uploaded
    if not isinstance(store, DesignStore):
        raise InvalidInput(f"template {slug!r}: not an uploaded design")
    manifest = store.manifest(slug)
    folder = store.template_dir(slug)
    if manifest is None or folder is None:
        raise InvalidInput(f"template {slug!r}: not an uploaded design")
    manifest = {**manifest, "zones": build_manifest(title=manifest["title"], description="", master_name="",
                                                    zones=zones, audience={}, editable={})["zones"]}  # fmt: skip
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:24]
    draft = store.cache_dir / "drafts" / digest / slug
    if not (draft / MANIFEST).is_file():
        _prune_drafts(store.cache_dir / "drafts")
        scratch = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=store.cache_dir))
        try:
            write_folder(scratch / slug, manifest, b"", master=folder / manifest["master"])
            draft.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(scratch / slug, draft)
            except OSError:
                if not (draft / MANIFEST).is_file():
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    template, problems = check_template(draft)
    if template is None:
        raise InvalidInput(_problem_lines(problems))
    return template
