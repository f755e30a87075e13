"""Faults survived with real services: S3 unreachable for 60 s in the middle of a publish.

The workers reach SeaweedFS through a loopback TCP proxy of the test's own; the test side reaches it
directly, so it can always look into the bucket. Mid-publish the proxy stops listening and resets the
connections it carried: for 60 s nothing answers on the workers' S3 address. Uploads fail after
boto3's own retries, RQ tries each batch again after its next interval, and once S3 answers again the
publish completes: every asset stored once, each row pointing at its object.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from rq.job import Job

from app.publishing import start_publish
from tests.factories import Content
from tests.faults.support import CuttableProxy, open_site
from tests.workers.support import assert_bucket_matches_db, publish_state, wait_for, wait_for_publish

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3, pytest.mark.slow]

OUTAGE_SECONDS = 60
"""How long nothing answers on the workers' S3 address."""

RETRIES = 3
"""Tries after the first, 5, 20 and 45 s apart: the last comes more than OUTAGE_SECONDS after the
first failure. (The production defaults, 5, 30 and 120 s, ride out outages of over two minutes.)"""


def test_s3_unreachable_for_60_seconds_mid_publish_completes_once_it_is_back(
    make_app: Any, content: Content, own_redis: dict[str, Any], postgres_db: str, s3_endpoint: str,
    s3_credentials: dict[str, str], s3_bucket: str, monkeypatch: Any, tmp_path: Path,
) -> None:  # fmt: skip
    target = urlsplit(s3_endpoint)
    proxy = CuttableProxy((target.hostname or "127.0.0.1", target.port or 80))
    site = open_site(make_app, content, monkeypatch, tmp_path, database_url=postgres_db, redis_url=own_redis["url"],
                     storage_url=f"s3://{s3_bucket}/cobrand-{uuid.uuid4().hex[:6]}", s3_endpoint=s3_endpoint,
                     s3_credentials=s3_credentials, worker_s3_endpoint=proxy.url, campaign="outage",
                     retries=RETRIES, retry_intervals=(5, 20, 45))  # fmt: skip
    services = site.services
    try:
        publish_id = start_publish(services, "outage")
        (worker,) = site.pool.start(1)
        wait_for(lambda: publish_state(services, publish_id).done >= 1, 120,
                 lambda: "nothing rendered\n" + site.pool.logs())  # fmt: skip
        wait_for(lambda: site.current_job(worker.name), 60, "the worker took no further job", step=0.05)
        proxy.cut()
        midway = publish_state(services, publish_id)
        time.sleep(OUTAGE_SECONDS)
        during = publish_state(services, publish_id)
        proxy.restore()
        publish = wait_for_publish(services, publish_id, timeout=240, pool=site.pool)
        queue = site.queue()
        jobs = [j for j in Job.fetch_many(queue.finished_job_registry.get_job_ids(), connection=queue.connection)
                if j is not None]  # fmt: skip
        failed_jobs = queue.failed_job_registry.get_job_ids()
    finally:
        site.pool.stop()
        proxy.close()
    assert 0 < midway.done < midway.total, "the publish was not in the middle when S3 went away"
    assert during.done < during.total, "the publish finished during the outage: S3 was not cut off"
    assert publish.total > 0 and publish.failed == 0
    assert publish.rendered + publish.unchanged == publish.total
    assert_bucket_matches_db(services, "outage", publish.total)  # every asset stored, none twice
    thumbnails = list(services.storage.list("thumbnails/outage/"))
    assert len(thumbnails) == len(set(thumbnails)) == publish.total
    # The outage was felt and not swallowed: uploads failed on it and RQ ran their batches again.
    tried_again = [j.id for j in jobs if j.retries_left is not None and j.retries_left < RETRIES]
    assert tried_again, "no job met the outage\n" + site.pool.logs()
    assert "EndpointConnectionError" in "".join(w.log.read_text() for w in site.pool.workers)
    assert failed_jobs == []
