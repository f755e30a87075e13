"""Incremental regeneration: a publish re-renders only the assets whose fingerprint changed.

Runs on the embedded defaults (SQLite, local storage, the in-process queue) over copies of the
brand kits and templates, which the tests edit.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.config import PROJECT_ROOT
from app.models import Asset, Partner
from app.partner_import import import_partners_file
from app.partners import store_logo
from app.publishing import start_publish
from app.services import Services
from tests.factories import png_logo
from tests.fixtures_app import SAMPLE_CSV


@pytest.fixture
def content_copy(tmp_path: Path) -> tuple[Path, Path]:
    kits = shutil.copytree(PROJECT_ROOT / "brand_kits", tmp_path / "brand_kits")
    templates = shutil.copytree(PROJECT_ROOT / "campaign_templates", tmp_path / "campaign_templates")
    return kits, templates


@pytest.fixture
def two_campaigns(make_app: Callable[..., Flask], content_copy: tuple[Path, Path]) -> Services:
    """12 sample partners, campaigns `flyer` (spring-flyer) and `social` (social-launch), both published."""
    kits, templates = content_copy
    app = make_app(BRAND_KITS_DIR=str(kits), TEMPLATES_DIR=str(templates))
    services: Services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    runner = app.test_cli_runner()
    for slug, template in (("flyer", "spring-flyer"), ("social", "social-launch")):
        result = runner.invoke(
            args=["create-campaign", slug, "--template", template, "--brand-kit", "northwind"]
        )
        assert result.exit_code == 0, result.output
        first = _publish(services, slug)
        assert first["rendered"] and not first["unchanged"] and not first["failed"]
    return services


def _publish(services: Services, slug: str) -> dict[str, set[tuple[str, str]]]:
    """Publish and wait; returns {outcome: {(partner slug, output)}}."""
    publish_id = start_publish(services, slug)
    assert services.queue.wait_idle(timeout=300)  # type: ignore[attr-defined]
    outcomes: dict[str, set[tuple[str, str]]] = {"rendered": set(), "unchanged": set(), "failed": set()}
    with services.db.session() as session:
        rows = session.execute(
            select(Asset.outcome, Partner.slug, Asset.output)
            .join(Partner, Asset.partner_id == Partner.id)
            .where(Asset.publish_id == publish_id)
        )
        for outcome, partner, output in rows:
            outcomes[outcome].add((partner, output))
    return outcomes


def test_new_partner_logo_rerenders_only_that_partners_assets(two_campaigns: Services) -> None:
    services = two_campaigns
    with services.db.session() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == "summit-it"))
        assert partner is not None
        store_logo(services, partner, png_logo(400, 120, color="#2E86C1"))
    for slug in ("flyer", "social"):
        outcomes = _publish(services, slug)
        assert outcomes["rendered"] and {p for p, _ in outcomes["rendered"]} == {"summit-it"}
        assert "summit-it" not in {p for p, _ in outcomes["unchanged"]}
        if slug == "flyer":  # every partner is in the flyer's audience (social-launch's is narrower)
            assert len({p for p, _ in outcomes["unchanged"]}) == 11
        assert not outcomes["failed"]


def test_brand_kit_change_rerenders_everything(
    two_campaigns: Services, content_copy: tuple[Path, Path]
) -> None:
    services = two_campaigns
    manifest = content_copy[0] / "northwind" / "brand.toml"
    text = manifest.read_text()
    assert 'primary = "#0E2A47"' in text
    manifest.write_text(text.replace('primary = "#0E2A47"', 'primary = "#123456"', 1))
    for slug in ("flyer", "social"):
        outcomes = _publish(services, slug)
        assert outcomes["rendered"] and not outcomes["unchanged"] and not outcomes["failed"]


def test_template_change_rerenders_only_that_templates_outputs(
    two_campaigns: Services, content_copy: tuple[Path, Path]
) -> None:
    services = two_campaigns
    css = content_copy[1] / "spring-flyer" / "flyer.css"
    css.write_text(css.read_text() + "\nh1 { letter-spacing: 0.01em; }\n")
    flyer = _publish(services, "flyer")
    assert len(flyer["rendered"]) == 12 and not flyer["unchanged"] and not flyer["failed"]
    social = _publish(services, "social")
    assert social["unchanged"] and not social["rendered"] and not social["failed"]
