"""Fixtures for real services: SeaweedFS (S3), moto, PostgreSQL, Redis, headless Chromium.

Each service fixture uses the server named by its TEST_* variable (scripts/test.sh starts them and
exports the variables); when the variable is unset it starts a throwaway server itself from
tests/services.py and stops it at session end, so plain `pytest` works too. Nothing is skipped:
a server that cannot start fails the tests that need it, with the server's log in the error.

Fixtures here: s3_endpoint, s3_credentials, s3_client, s3_bucket, moto_endpoint, postgres_url,
postgres_db, redis_url, redis_conn, browser_type_launch_args. The app, client and runner fixtures
belong to the application's own plugin (see the end of this file), not here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import services

# boto3 falls back to the cloud's instance-metadata address when it finds no credentials; tests
# must never send traffic off this machine, so switch that lookup off before any client exists.
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
os.environ.pop("AWS_PROFILE", None)


def _service_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    return tmp_path_factory.mktemp(name, numbered=True)


# --- S3: SeaweedFS (a real server that checks signatures) ---------------------------------------------


@pytest.fixture(scope="session")
def _seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    endpoint = os.environ.get("TEST_S3_ENDPOINT")
    if endpoint:
        missing = [v for v in ("TEST_S3_ACCESS_KEY", "TEST_S3_SECRET_KEY") if not os.environ.get(v)]
        if missing:
            pytest.fail(f"TEST_S3_ENDPOINT is set but {', '.join(missing)} is not; set both keys or neither")
        yield (
            endpoint,
            {
                "aws_access_key_id": os.environ["TEST_S3_ACCESS_KEY"],
                "aws_secret_access_key": os.environ["TEST_S3_SECRET_KEY"],
                "region_name": services.S3_REGION,
            },
        )
        return
    endpoint, stop, credentials = services.start_seaweedfs(_service_dir(tmp_path_factory, "seaweedfs"))
    try:
        yield endpoint, credentials
    finally:
        stop()


@pytest.fixture(scope="session")
def s3_endpoint(_seaweedfs: tuple[str, dict[str, str]]) -> str:
    """URL of a real S3 server (SeaweedFS) on loopback that enforces signatures and expiry."""
    return _seaweedfs[0]


@pytest.fixture(scope="session")
def s3_credentials(_seaweedfs: tuple[str, dict[str, str]]) -> dict[str, str]:
    """boto3.Session keyword arguments for s3_endpoint: aws_access_key_id, aws_secret_access_key, region_name."""
    return dict(_seaweedfs[1])


@pytest.fixture(scope="session")
def s3_client(s3_endpoint: str, s3_credentials: dict[str, str]) -> Any:
    """A boto3 S3 client for s3_endpoint (path-style addressing)."""
    import boto3
    from botocore.config import Config

    config = Config(s3={"addressing_style": "path"}, signature_version="s3v4")
    return boto3.session.Session(**s3_credentials).client("s3", endpoint_url=s3_endpoint, config=config)


@pytest.fixture
def s3_bucket(s3_client: Any) -> Iterator[str]:
    """Name of a fresh, empty bucket on s3_endpoint; emptied and removed after the test."""
    name = f"test-{uuid.uuid4().hex[:20]}"
    s3_client.create_bucket(Bucket=name)
    yield name
    for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=name):
        objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if objects:
            s3_client.delete_objects(Bucket=name, Delete={"Objects": objects})
    s3_client.delete_bucket(Bucket=name)


# --- S3: moto (fast, but accepts any signature: functional tests only) --------------------------------


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """URL of moto's S3 server on loopback; it accepts any credentials and any presigned URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


# --- PostgreSQL ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLAlchemy URL (postgresql+psycopg://…) of a server's maintenance database; see postgres_db."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        yield url
        return
    url, stop = services.start_postgres(_service_dir(tmp_path_factory, "postgres"))
    try:
        yield url
    finally:
        stop()


@pytest.fixture
def postgres_db(postgres_url: str) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty database made for this test and dropped after it."""
    import sqlalchemy as sa

    name = f"test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            # FORCE ends connections a test left open (a pool it did not dispose of).
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# --- Redis ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a Redis server; its DB number is the one tests may flush."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    url, stop = services.start_redis(_service_dir(tmp_path_factory, "redis"))
    try:
        yield url
    finally:
        stop()


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[Any]:
    """A redis.Redis on redis_url's DB number, flushed before and after the test."""
    import redis

    conn = redis.Redis.from_url(redis_url)
    conn.flushdb()
    try:
        yield conn
    finally:
        conn.flushdb()
        conn.close()


# --- Browser (pytest-playwright driving Debian's Chromium; never `playwright install`) ----------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium headless, without the background traffic it would try to send."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


# --- Application fixtures --------------------------------------------------------------------------------
# The app, client and runner fixtures (and db_url) live in tests/fixtures_app.py, owned by the
# application's authors; it is loaded as a plugin when present. Define no fixture of those names here.
if (Path(__file__).parent / "fixtures_app.py").exists():
    pytest_plugins = ["tests.fixtures_app"]
