"""The store of uploaded design templates: their rows and masters as template folders on disk.

Design templates uploaded through the API or the console live in the database and storage;
the renderer reads template folders, so `DesignStore.template_dir` writes a design's folder
(template.toml and its master) on first use, keyed by version. It needs only the database and
storage, so the services can hold one without importing the upload code (app.designs).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app.errors import TemplateInvalid
from app.models import DesignTemplate
from app.rendering.problems import SLUG
from app.rendering.template import MANIFEST

if TYPE_CHECKING:
    from app.db import Database
    from app.storage import Storage


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {type(value).__name__}")


def manifest_toml(manifest: dict[str, Any]) -> str:
    """template.toml of a design manifest (the dict this module builds; keys checked already)."""
    lines = [
        f"{key} = {_toml_value(manifest[key])}"
        for key in ("kind", "title", "description", "master", "output")
    ]
    audience = dict(manifest["audience"])
    attributes = audience.pop("attributes", {})
    lines.append("\n[audience]")
    lines += [f"{key} = {_toml_value(values)}" for key, values in audience.items()]
    if attributes:
        lines.append("\n[audience.attributes]")
        lines += [f"{json.dumps(name)} = {_toml_value(values)}" for name, values in attributes.items()]
    for key, spec in manifest["editable"].items():
        lines.append(f"\n[fields.editable.{key}]")
        lines += [f"{name} = {_toml_value(value)}" for name, value in spec.items()]
    for zone in manifest["zones"]:
        lines.append("\n[[zones]]")
        lines += [f"{name} = {_toml_value(value)}" for name, value in zone.items()]
    return "\n".join(lines) + "\n"


def write_folder(folder: Path, manifest: dict[str, Any], data: bytes, *, master: Path | None = None) -> None:
    """A design template folder: template.toml and the master (data, or a hard link to master)."""
    folder.mkdir(parents=True)
    target = folder / manifest["master"]
    if master is None:
        target.write_bytes(data)
    else:
        try:
            os.link(master, target)  # drafts share the master's bytes on disk
        except OSError:
            shutil.copyfile(master, target)
    (folder / MANIFEST).write_text(manifest_toml(manifest), "utf-8")


class DesignStore:
    """Uploaded design templates as template folders on this machine, made on first use."""

    def __init__(self, db: Database, storage: Storage, cache_dir: Path) -> None:
        self.db = db
        self.storage = storage
        self.cache_dir = Path(cache_dir)

    def slugs(self) -> list[str]:
        """The slugs of every uploaded design."""
        with self.db.session() as session:
            return list(session.scalars(select(DesignTemplate.slug).order_by(DesignTemplate.slug)))

    def manifest(self, slug: str) -> dict[str, Any] | None:
        """An uploaded design's manifest (template.toml as data), or None."""
        with self.db.session() as session:
            row = session.scalar(select(DesignTemplate).where(DesignTemplate.slug == slug))
            return dict(row.manifest) if row is not None else None

    def template_dir(self, slug: str) -> Path | None:
        """The folder of an uploaded design's current version (None if there is no such design)."""
        with self.db.session() as session:
            row = session.scalar(select(DesignTemplate).where(DesignTemplate.slug == slug))
            if row is None:
                return None
            version, key, manifest = row.version, row.master_key, dict(row.manifest)
        folder = self.cache_dir / version[:24] / slug
        if (folder / MANIFEST).is_file():
            return folder
        if not SLUG.match(slug):
            raise TemplateInvalid(f"template {slug!r}: not a slug")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=self.cache_dir))
        write_folder(scratch / slug, manifest, self.storage.open(key))
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(scratch / slug, folder)  # atomic: another process may have made it first
        except OSError:
            if not (folder / MANIFEST).is_file():
                raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return folder
