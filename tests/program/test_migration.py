"""The partner-program migration keeps existing partners and audiences, written the slug way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from app.db import MIGRATIONS_DIR


def _upgrade(engine: sa.Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_old_enum_values_survive_as_program_slugs(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'old.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_db")
    )
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    _upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO partners (slug, name, type, tier, region, country, locale, website, email, phone, address,"
            " custom_fields, active, created_at, updated_at) VALUES ('acme', 'Acme', 'system_integrator', 'gold',"
            " 'EMEA', 'DE', 'en', '', '', '', '', '{}', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))  # fmt: skip
        conn.execute(
            sa.text(
                "INSERT INTO campaigns (slug, title, template_slug, brand_kit_slug, audience, landing_url, overrides,"
                " status, created_at, updated_at) VALUES ('c', '', 't', 'k', :audience, '', '{}', 'draft',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {
                "audience": json.dumps(
                    {"types": ["system_integrator"], "tiers": [], "regions": ["APAC", "NA"]}
                )
            },
        )
    _upgrade(engine, "heads")
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT type, tier, region, attributes FROM partners")).one()
        audience = conn.execute(sa.text("SELECT audience FROM campaigns")).scalar_one()
    engine.dispose()
    assert tuple(row[:3]) == ("system-integrator", "gold", "emea")
    assert (json.loads(row[3]) if isinstance(row[3], str) else row[3]) == {}
    audience = json.loads(audience) if isinstance(audience, str) else audience
    assert audience == {"types": ["system-integrator"], "tiers": [], "regions": ["apac", "na"]}
