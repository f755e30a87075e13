"""Servers the fault tests own: each test may stop and start them without disturbing any other test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import services as test_services


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A Redis of this test alone, which it may stop and start again on the same port."""
    url, stop = test_services.start_redis(tmp_path)
    state = {"url": url, "stop": stop, "port": int(url.rsplit(":", 1)[1].split("/")[0]), "dir": tmp_path}
    try:
        yield state
    finally:
        state["stop"]()


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[tuple[str, test_services.Stopper]]:
    """A PostgreSQL cluster of this test alone: (URL, stop), for test_services.restart_postgres."""
    url, stop = test_services.start_postgres(tmp_path)
    try:
        yield url, stop
    finally:
        stop()
