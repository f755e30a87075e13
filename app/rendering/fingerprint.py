"""The fingerprint of a render: a hash of every input, so unchanged assets are not rendered again."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PartnerInput

RENDERER_VERSION = "6"
"""Bump when a change to the renderers changes their output for the same inputs (6: a batched
PDF no longer carries the other batch partners' logos, so every stored asset is rendered again)."""


def fingerprint(
    kit: BrandKit, template: CampaignTemplate, output_id: str, partner: PartnerInput, campaign: CampaignInput
) -> str:
    """SHA-256 of the kit and template versions, the output, the partner and the campaign."""
    partner_data = asdict(partner)
    logo = partner_data.pop("logo")
    logo_sha256 = partner_data.pop("logo_sha256")
    # A program label only matters to templates that show that field: renaming a tier re-renders
    # the assets that print it, not every asset of every partner of that tier.
    partner_data["labels"] = {k: v for k, v in partner.labels.items() if k in template.partner_fields}
    payload = {
        "renderer": RENDERER_VERSION,
        "brand_kit": kit.version,
        "template": template.version,
        "output": output_id,
        "partner": partner_data,
        "logo": hashlib.sha256(logo).hexdigest() if logo else logo_sha256,
        "campaign": asdict(campaign),
        # The template's version leaves its copy files out: only this locale's copy counts, so a
        # changed translation re-renders that locale's assets and no others.
        "copy": template.localized_copy(campaign.locale),
        "field_defaults": template.localized_field_defaults(campaign.locale),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
