"""Faults survived with real services: Redis restarted without persistence in the middle of a publish.

The test starts its own Redis (never the shared one), on PostgreSQL and the S3 endpoint, with a real
worker process. Redis loses every queued job; the worker's sweep finds the publish running in the
database with no job in flight, queues its unfinished partners again, and the publish completes with
every asset stored once.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from app.campaigns import save_campaign
from app.partner_import import import_partners_file
from app.publishing import start_publish
from app.services import Services
from tests import services as test_services
from tests.fixtures_app import SAMPLE_CSV
from tests.workers.support import (
    WorkerPool,
    assert_bucket_matches_db,
    publish_state,
    wait_for,
    wait_for_publish,
)


def test_redis_restarted_without_persistence_mid_publish_completes_by_itself(
    make_app: Any, own_redis: dict[str, Any], postgres_db: str, s3_endpoint: str,
    s3_credentials: dict[str, str], s3_bucket: str, monkeypatch: Any, tmp_path: Path,
) -> None:  # fmt: skip
    aws = {"AWS_ACCESS_KEY_ID": s3_credentials["aws_access_key_id"],
           "AWS_SECRET_ACCESS_KEY": s3_credentials["aws_secret_access_key"],
           "AWS_DEFAULT_REGION": s3_credentials["region_name"], "AWS_EC2_METADATA_DISABLED": "true"}  # fmt: skip
    for key, value in aws.items():
        monkeypatch.setenv(key, value)
    storage = f"s3://{s3_bucket}/cobrand-{uuid.uuid4().hex[:6]}"
    app = make_app(DATABASE_URL=postgres_db, REDIS_URL=own_redis["url"], STORAGE_URL=storage,
                   S3_ENDPOINT_URL=s3_endpoint, PUBLISH_BATCH_SIZE=1, RQ_QUEUE="faults")  # fmt: skip
    services: Services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    save_campaign(
        services, {"slug": "lost", "template": "spring-flyer", "brand_kit": "northwind", "title": "Lost"}
    )
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}, **aws,
           "DATABASE_URL": postgres_db, "REDIS_URL": own_redis["url"], "RQ_QUEUE": "faults", "STORAGE_URL": storage,
           "S3_ENDPOINT_URL": s3_endpoint, "PUBLISH_BATCH_SIZE": "1", "PUBLISH_SWEEP_GRACE": "1",
           "WORKER_JOB_MONITORING_INTERVAL": "1", "WORKER_HEARTBEAT_GRACE": "4",
           "WORKER_MAINTENANCE_INTERVAL": "2", "WORKER_TTL": "20",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}  # fmt: skip
    (tmp_path / "metrics").mkdir()
    pool = WorkerPool(env, tmp_path, own_redis["url"])
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
