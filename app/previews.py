"""Preview thumbnails of kits, templates and campaigns, cached in storage by the fingerprint of their inputs.

The previous version of a template comes from git: the newest commit that touched the template's
folder and whose content differs from the folder as it is now (`git archive` into a temporary
folder). Without git history there is no previous version to show, and the page says so.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from app.errors import CobrandError
from app.models import Partner
from app.preview_cache import previews
from app.render_inputs import partner_input, public_asset_base
from app.rendering.fingerprint import fingerprint
from app.rendering.lint import worst_case_partners
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PartnerInput
from app.rendering.template import load_template
from app.rendering.thumbnails import thumbnail
from app.rendering.versioning import folder_version
from app.services import Services

WORST_CASE = "worst-case"
"""The partner choice that means: the synthetic worst-case partner (longest name, tallest logo)."""

PREVIEW_WIDTH = 560
"""Preview images are larger than list thumbnails: they are looked at closely."""


def preview_partner(services: Services, slug: str | None) -> PartnerInput:
    """A real partner by slug, or the worst-case synthetic partner."""
    if slug and slug != WORST_CASE:
        with services.db.session() as session:
            partner = session.scalar(
                select(Partner).where(Partner.slug == slug, Partner.deleted_at.is_(None))
            )
            if partner is not None:
                return partner_input(services, partner)
    return worst_case_partners(services.content.program())[0]


def preview_image(
    services: Services,
    kit: BrandKit,
    template: CampaignTemplate,
    partner: PartnerInput,
    campaign: CampaignInput,
    output_id: str,
    *,
    width: int = PREVIEW_WIDTH,
) -> bytes:
    """A JPEG of one output's first page, rendered once per set of inputs.

    Previews of the synthetic worst-case partners are kept in storage; those of real partners only
    in this process's bounded memory (app/preview_cache.py), so no partner can fill storage with them.
    """
    if not campaign.asset_base_url:  # e-mails refer to their images by absolute URL
        campaign = replace(campaign, asset_base_url=public_asset_base(services.config))
    fp = fingerprint(kit, template, output_id, partner, campaign)
    key = f"previews/{template.slug}/{output_id}-{fp[:24]}-{width}.jpg"

    def make() -> bytes:
        rendered = services.renderer.render_one(kit, template, partner, campaign, output_id)
        if rendered.preview:
            return thumbnail(rendered.preview, "image/png", width=width)
        return thumbnail(rendered.data, rendered.content_type, width=width)

    if partner.slug not in {p.slug for p in worst_case_partners(None)} or campaign.field_values:
        return previews.get_or_make(key, make)
    try:
        return services.storage.open(key)
    except FileNotFoundError:
        pass
    data = make()
    services.storage.put(key, data, content_type="image/jpeg")
    return data


@dataclass(frozen=True)
class PreviousVersion:
    template: CampaignTemplate
    commit: str
    subject: str
    date: str


def _git(cwd: Path, *args: str) -> bytes | None:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def previous_template(template: CampaignTemplate) -> PreviousVersion | None:
    """The template as of the newest commit whose folder differs from the current one, or None."""
    root = template.root.resolve()
    top = _git(root, "rev-parse", "--show-toplevel")
    if not top:
        return None
    return _previous_template(str(root), template.version, top.decode().strip())


@lru_cache(maxsize=32)
def _previous_template(root_str: str, version: str, top_str: str) -> PreviousVersion | None:
    root, top = Path(root_str), Path(top_str)
    relative = root.relative_to(top).as_posix()
    log = _git(top, "log", "-n", "8", "--format=%H%x09%cs%x09%s", "--", relative)
    for line in (log or b"").decode().splitlines():
        commit, date, subject = line.split("\t", 2)
        archive = _git(top, "archive", "--format=tar", commit, relative)
        if not archive:
            continue
        target = Path(tempfile.gettempdir()) / "cobrand-previous-templates" / commit
        folder = target / relative
        if not folder.is_dir():
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(target, filter="data")
        if folder_version(folder) == version:
            continue  # this commit is the current version
        try:
            return PreviousVersion(load_template(folder), commit[:10], subject, date)
        except CobrandError:
            continue  # a broken old version cannot be shown; try an older one
    return None
