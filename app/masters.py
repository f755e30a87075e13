"""Laid-out masters shared by the whole fleet: stored once in storage, under their fingerprint.

The renderer asks for a master by key (<campaign>/<template>-<output>-<fingerprint>); whichever
worker lays it out first stores it, and every other worker, on any machine, and every forked
job child reads it instead of laying it out again. A master that two batches of a publish need
is laid out by one job before they start (publish_jobs.enqueue_plan), so no two workers race to
make it; one that a single batch needs is laid out by that batch.
"""

from __future__ import annotations

from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PdfOutput
from app.storage import Storage

PREFIX = "masters/"


class StorageMasterStore:
    """rendering.stamp.MasterStore on the app's storage."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def load(self, key: str) -> bytes | None:
        try:
            return self.storage.open(PREFIX + key + ".master")
        except FileNotFoundError:
            return None

    def save(self, key: str, data: bytes) -> None:
        self.storage.put(PREFIX + key + ".master", data, content_type="application/octet-stream")

    def keys(self, campaign_slug: str) -> list[str]:
        """The stored masters of one campaign."""
        return sorted(self.storage.list(f"{PREFIX}{campaign_slug}/"))

    def has_all(self, kit: BrandKit, template: CampaignTemplate, campaign: CampaignInput) -> bool:
        """Every master of this campaign's template is stored already (a publish needs no prepare job)."""
        from app.rendering.stamp import ZoneStamper  # imported here: it imports WeasyPrint

        return all(
            self.storage.exists(PREFIX + ZoneStamper.master_key(kit, template, output, campaign) + ".master")
            for output in template.outputs
            if isinstance(output, PdfOutput) and output.cobrand_zone is not None
        )
