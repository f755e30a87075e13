"""Brand kits, campaign templates and the partner program: content on disk, looked up by slug."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from app.errors import BrandKitInvalid, TemplateInvalid
from app.rendering.brand_kit import MANIFEST as KIT_MANIFEST
from app.rendering.brand_kit import load_brand_kit
from app.rendering.model import BrandKit, CampaignTemplate
from app.rendering.problems import SLUG
from app.rendering.program import PartnerProgram, load_program
from app.rendering.template import MANIFEST as TEMPLATE_MANIFEST
from app.rendering.template import load_template

PROGRAM_FILE = "partner_program.toml"
"""The partner program's file name at the content root, beside brand_kits/."""


class UploadedTemplates(Protocol):
    """Templates that are not folders in git (uploaded designs, app.designs.DesignStore)."""

    def slugs(self) -> list[str]: ...

    def template_dir(self, slug: str) -> Path | None: ...


def folder_stamp(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Every file below root with its modification time and size: changes when any file does.

    Walked with os.scandir (no Path per file): pages check a template's folder on every request."""
    files: list[tuple[str, int, int]] = []
    if root.is_dir():
        _scan(str(root), "", files)
    return tuple(sorted(files))


def _scan(folder: str, prefix: str, files: list[tuple[str, int, int]]) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    _scan(entry.path, f"{prefix}{entry.name}/", files)
            elif entry.is_file():
                stat = entry.stat()
                files.append((prefix + entry.name, stat.st_mtime_ns, stat.st_size))


class ContentLibrary:
    """Kits and templates by slug, loaded again whenever a file of theirs changes, so a `git pull`
    is seen at once; unchanged, they are not re-read (loading hashes every file: a page or a job
    would pay that on every call)."""

    def __init__(self, brand_kits_dir: Path, templates_dir: Path, program_file: Path | None = None) -> None:
        self.brand_kits_dir = Path(brand_kits_dir).resolve()
        self.templates_dir = Path(templates_dir).resolve()
        self.uploaded: UploadedTemplates | None = None
        """Uploaded templates, looked up after the folders (set once the database exists)."""
        self.program_file = Path(program_file or self.brand_kits_dir.parent / PROGRAM_FILE).resolve()
        self._program: tuple[tuple[int, int], PartnerProgram] | None = None
        self._loaded: dict[Path, tuple[tuple[tuple[str, int, int], ...], BrandKit | CampaignTemplate]] = {}

    def program(self) -> PartnerProgram:
        """The partner program, parsed again whenever the file changes (ProgramInvalid if it is wrong)."""
        try:
            stat = self.program_file.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = (0, -1)
        if self._program is None or self._program[0] != stamp:
            self._program = (stamp, load_program(self.program_file))
        return self._program[1]

    def brand_kit_slugs(self) -> list[str]:
        return sorted(p.parent.name for p in self.brand_kits_dir.glob(f"*/{KIT_MANIFEST}"))

    def template_slugs(self) -> list[str]:
        folders = {p.parent.name for p in self.templates_dir.glob(f"*/{TEMPLATE_MANIFEST}")}
        return sorted(folders | set(self.uploaded.slugs() if self.uploaded else ()))

    def brand_kit_dir(self, slug: str) -> Path:
        if not SLUG.match(slug) or not (self.brand_kits_dir / slug / KIT_MANIFEST).is_file():
            known = ", ".join(self.brand_kit_slugs()) or "none"
            raise BrandKitInvalid(f"brand kit {slug!r} not found in {self.brand_kits_dir} (known: {known})")
        return self.brand_kits_dir / slug

    def template_dir(self, slug: str) -> Path:
        if (
            SLUG.match(slug)
            and not (self.templates_dir / slug / TEMPLATE_MANIFEST).is_file()
            and self.uploaded
        ):
            uploaded = self.uploaded.template_dir(slug)
            if uploaded is not None:
                return uploaded
        if not SLUG.match(slug) or not (self.templates_dir / slug / TEMPLATE_MANIFEST).is_file():
            known = ", ".join(self.template_slugs()) or "none"
            raise TemplateInvalid(f"template {slug!r} not found in {self.templates_dir} (known: {known})")
        return self.templates_dir / slug

    def brand_kit(self, slug: str) -> BrandKit:
        kit = self._load(self.brand_kit_dir(slug), load_brand_kit)
        assert isinstance(kit, BrandKit)
        return kit

    def template(self, slug: str) -> CampaignTemplate:
        template = self._load(self.template_dir(slug), load_template)
        assert isinstance(template, CampaignTemplate)
        return template

    def _load(
        self, folder: Path, load: Callable[[Path], BrandKit | CampaignTemplate]
    ) -> BrandKit | CampaignTemplate:
        stamp = folder_stamp(folder)
        cached = self._loaded.get(folder)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        loaded = load(folder)  # raises on invalid content: nothing is cached then
        if len(self._loaded) >= 256:
            self._loaded.clear()  # bounded: many uploaded designs come and go
        self._loaded[folder] = (stamp, loaded)
        return loaded
