"""Faults survived with real services: PostgreSQL restarted in the middle of a publish.

The test starts its own PostgreSQL cluster and Redis (never the shared ones), on the S3 endpoint,
with a real forking worker. The cluster shuts down fast (every session cut) while the worker has
a batch in hand, stays down for seconds, and comes back on the same port: the jobs that met the
outage fail, RQ tries them again, the worker reconnects (pre-ping finds the dead connections), and
the publish completes with every asset stored once.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from rq.job import Job

from app.publishing import start_publish
from tests import services as test_services
from tests.factories import Content
from tests.faults.support import open_site
from tests.workers.support import assert_bucket_matches_db, publish_state, wait_for, wait_for_publish

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3, pytest.mark.slow]

RETRIES = 3
"""Tries after the first; the intervals below add up to more than the outage."""


def test_postgres_restarted_mid_publish_workers_reconnect_and_it_completes(
    make_app: Any, content: Content, own_postgres: tuple[str, test_services.Stopper], own_redis: dict[str, Any],
    s3_endpoint: str, s3_credentials: dict[str, str], s3_bucket: str, monkeypatch: Any, tmp_path: Path,
) -> None:  # fmt: skip
    database_url, postgres = own_postgres
    site = open_site(make_app, content, monkeypatch, tmp_path, database_url=database_url, redis_url=own_redis["url"],
                     storage_url=f"s3://{s3_bucket}/cobrand-{uuid.uuid4().hex[:6]}", s3_endpoint=s3_endpoint,
                     s3_credentials=s3_credentials, campaign="restart", retries=RETRIES,
                     retry_intervals=(2, 4, 8))  # fmt: skip
    services = site.services
    try:
        publish_id = start_publish(services, "restart")
        (worker,) = site.pool.start(1)
        wait_for(lambda: publish_state(services, publish_id).done >= 1, 120,
                 lambda: "nothing rendered\n" + site.pool.logs())  # fmt: skip
        in_hand = wait_for(
            lambda: site.current_job(worker.name), 60, "the worker took no further job", step=0.05
        )
        midway = publish_state(services, publish_id)
        test_services.restart_postgres(postgres, down_seconds=6)
        publish = wait_for_publish(services, publish_id, timeout=180, pool=site.pool)
        queue = site.queue()
        jobs = [j for j in Job.fetch_many(queue.finished_job_registry.get_job_ids(), connection=queue.connection)
                if j is not None]  # fmt: skip
        failed_jobs = queue.failed_job_registry.get_job_ids()
        alive = [w.name for w in site.pool.alive()]
    finally:
        site.pool.stop()
    assert 0 < midway.done < midway.total, "the publish was not in the middle when PostgreSQL went away"
    assert alive == [worker.name], "the worker died instead of reconnecting:\n" + site.pool.logs()
    assert publish.total > 0 and publish.failed == 0
    assert publish.rendered + publish.unchanged == publish.total
    assert_bucket_matches_db(services, "restart", publish.total)  # every asset stored, none twice
    thumbnails = list(services.storage.list("thumbnails/restart/"))
    assert len(thumbnails) == len(set(thumbnails)) == publish.total
    # The outage was felt and not swallowed: jobs failed on it and RQ ran them again.
    tried_again = [j.id for j in jobs if j.retries_left is not None and j.retries_left < RETRIES]
    assert tried_again, f"no job met the outage (in hand: {in_hand})\n" + site.pool.logs()
    assert "OperationalError" in "".join(w.log.read_text() for w in site.pool.workers)
    assert failed_jobs == []
