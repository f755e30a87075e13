"""Faults survived with real services: Redis restarted without persistence in the middle of a publish.

The test starts its own Redis (never the shared one), on PostgreSQL and the S3 endpoint, with a real
worker process. Redis loses every queued job; the worker's sweep finds the publish running in the
database with no job in flight, queues its unfinished partners again, and the publish completes with
every asset stored once.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.publishing import start_publish
from tests import services as test_services
from tests.factories import Content
from tests.faults.support import open_site
from tests.workers.support import (
    assert_bucket_matches_db,
    publish_state,
    wait_for,
    wait_for_publish,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3, pytest.mark.slow]


def test_redis_restarted_without_persistence_mid_publish_completes_by_itself(
    make_app: Any, content: Content, own_redis: dict[str, Any], postgres_db: str, s3_endpoint: str,
    s3_credentials: dict[str, str], s3_bucket: str, monkeypatch: Any, tmp_path: Path,
) -> None:  # fmt: skip
    site = open_site(make_app, content, monkeypatch, tmp_path, database_url=postgres_db, redis_url=own_redis["url"],
                     storage_url=f"s3://{s3_bucket}/cobrand-{uuid.uuid4().hex[:6]}", s3_endpoint=s3_endpoint,
                     s3_credentials=s3_credentials, campaign="lost")  # fmt: skip
    services, pool = site.services, site.pool
    try:
        publish_id = start_publish(services, "lost")
        pool.start(1)
        wait_for(
            lambda: publish_state(services, publish_id).done >= 1,
            120,
            lambda: "nothing rendered\n" + pool.logs(),
        )
        # Redis goes away with every queued job and comes back empty on the same port.
        midway = publish_state(services, publish_id)
        own_redis["stop"]()
        time.sleep(1)
        _, own_redis["stop"] = test_services.start_redis(own_redis["dir"], port=own_redis["port"])
        # A worker that gave up on the lost connection is started again, as systemd's Restart= would.
        for worker in pool.alive():
            try:
                worker.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass  # it rode the outage out
        for worker in pool.workers:
            worker.killed = worker.killed or worker.process.poll() is not None  # gone, not failing to start
        if not pool.alive():
            pool.start(1)
        publish = wait_for_publish(services, publish_id, timeout=240, pool=pool)
    finally:
        pool.stop()
    assert 0 < midway.done < midway.total, "the publish was not in the middle when Redis went away"
    assert publish.total > 0 and publish.failed == 0
    assert publish.rendered + publish.unchanged == publish.total
    assert_bucket_matches_db(services, "lost", publish.total)  # every asset stored, none twice
