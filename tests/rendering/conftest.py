"""Rendering fixtures: tiny kits and templates on disk, one shared renderer. No app, no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.rendering.brand_kit import load_brand_kit
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PartnerInput
from app.rendering.renderer import Renderer
from app.rendering.template import load_template
from tests.factories import acme_partner, make_kit, make_template


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture
def kit(tmp_path: Path) -> BrandKit:
    return load_brand_kit(make_kit(tmp_path / "kit"))


@pytest.fixture
def template(tmp_path: Path) -> CampaignTemplate:
    return load_template(make_template(tmp_path / "template"))


@pytest.fixture
def partner() -> PartnerInput:
    return acme_partner()


@pytest.fixture
def campaign() -> CampaignInput:
    return CampaignInput(slug="spring", landing_url="https://vendor.example.com/spring")
