"""Tests of the sample vendor's own content (brand_kits/, campaign_templates/, partner_program.toml,
sample_data/). Every other test of the core, the services and the API builds its own content with
tests/factories.py; tests/test_sample_content.py publishes every sample campaign end to end."""

from __future__ import annotations

import pytest

from app.rendering.model import CampaignInput, PartnerInput
from app.rendering.renderer import Renderer
from tests.factories import acme_partner


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture
def campaign() -> CampaignInput:
    return CampaignInput(slug="spring", landing_url="https://vendor.example.com/spring")


@pytest.fixture
def partner() -> PartnerInput:
    return acme_partner()
