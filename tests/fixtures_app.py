"""Application fixtures: a real app on a real database (SQLite in tmp, or PostgreSQL) and local storage.

`app` is the embedded default (SQLite + local folder + in-process jobs). `make_app` builds others,
e.g. `make_app(database_url=postgres_db, storage_url="s3://bucket/prefix", S3_ENDPOINT_URL=...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.config import PROJECT_ROOT
from app.services import Services
from tests import content_guard
from tests.factories import Content, make_content

SAMPLE_CSV = PROJECT_ROOT / "sample_data" / "partners.csv"


@pytest.fixture(autouse=True)
def _reads_no_sample_content(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests of the core, the services and the API read no file of the sample content (tests/content_guard.py)."""
    if not content_guard.is_guarded(request.node.path):
        yield
        return
    content_guard.start()
    try:
        yield
    finally:
        opened = content_guard.stop()
    assert not opened, (
        f"read the sample vendor's content (build it with tests/factories.py): {sorted(set(opened))}"
    )


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps with config overrides; each gets its schema migrated. Engines are disposed after."""
    built: list[Flask] = []

    def make(**config: Any) -> Flask:
        defaults = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": f"sqlite:///{tmp_path / f'cobrand-{len(built)}.db'}",
            "STORAGE_URL": f"file://{tmp_path / f'storage-{len(built)}'}",
            "REDIS_URL": None,
            "WTF_CSRF_ENABLED": True,
        }
        app = create_app({**defaults, **config})
        app.config.update(TESTING=True)
        app.extensions["cobrand"].db.upgrade()
        built.append(app)
        return app

    yield make
    for app in built:
        app.extensions["cobrand"].db.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def services(app: Flask) -> Services:
    return app.extensions["cobrand"]  # type: ignore[no-any-return]


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def sample_partners(services: Services) -> Services:
    """The 12 sample partners imported from sample_data/partners.csv (with their logos)."""
    from app.partner_import import import_partners_file

    report = import_partners_file(services, SAMPLE_CSV)
    assert report.errors == [], report.errors
    return services


@pytest.fixture
def content(tmp_path: Path) -> Content:
    """A small content root of the tests' own (tests/factories.py): program, kit, templates, partners CSV."""
    return make_content(tmp_path / "content")


@pytest.fixture
def partners(services: Services, content: Content) -> Services:
    """The test partners (tests.factories.PARTNERS) imported from the content root's CSV, with their logos."""
    from app.partner_import import import_partners_file

    report = import_partners_file(services, content.partners_csv)
    assert report.errors == [] and report.rejected == 0, report.errors
    return services


def own_content(make_app: Callable[..., Flask], content: Content) -> Callable[..., Flask]:
    """make_app for a test folder that must not read the sample vendor's content: apps it builds read
    the tests' own content root (a test may still override any of the three settings)."""

    def make(**config: Any) -> Flask:
        return make_app(**{**content.config, **config})

    return make
