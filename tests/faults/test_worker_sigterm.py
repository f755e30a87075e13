"""Faults survived with real services: SIGTERM to a worker in the middle of a publish.

A real forking worker (on PostgreSQL, a Redis of the test's own and the S3 endpoint) has a batch in
hand when SIGTERM reaches it and its work horse alike, as systemd's default stop (every process of
the unit) sends it. The job in hand finishes, once, in that worker; the worker then exits, leaving
the rest of the publish in the queue; a worker started again completes it, every asset stored once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rq.job import Job, JobStatus

from app.publishing import start_publish
from tests.factories import Content
from tests.faults.support import open_site
from tests.workers.support import assert_bucket_matches_db, publish_state, wait_for, wait_for_publish

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3, pytest.mark.slow]

RETRIES = 3
"""Tries after the first: a job run again would show fewer left."""


def test_sigterm_to_a_worker_finishes_the_job_in_hand_and_the_publish_completes_later(
    make_app: Any, content: Content, own_redis: dict[str, Any], postgres_db: str, s3_endpoint: str,
    s3_credentials: dict[str, str], s3_bucket: str, monkeypatch: Any, tmp_path: Path,
) -> None:  # fmt: skip
    site = open_site(make_app, content, monkeypatch, tmp_path, database_url=postgres_db, redis_url=own_redis["url"],
                     storage_url=f"s3://{s3_bucket}/cobrand-{uuid.uuid4().hex[:6]}", s3_endpoint=s3_endpoint,
                     s3_credentials=s3_credentials, campaign="sigterm", batch_size=2,
                     retries=RETRIES)  # fmt: skip
    services = site.services
    try:
        publish_id = start_publish(services, "sigterm")
        (victim,) = site.pool.start(1)

        def work_horse() -> int | None:
            """The child running a batch that started 0.05 to 0.15 s ago (past the fork, into the
            job, and far from its end: a batch takes longer): RQ's work horse leads a process group
            of its own."""
            job_id = site.current_job(victim.name)
            if not job_id or job_id == f"publish-{publish_id}-prepare":
                return None
            started_at = Job.fetch(job_id, connection=site.queue().connection).started_at
            if started_at is None:
                return None
            age = (datetime.now(UTC) - started_at.replace(tzinfo=UTC)).total_seconds()
            if not 0.05 <= age < 0.15:
                return None
            return next((pid for pid in victim.children() if os.getpgid(pid) == pid), None)

        horse = wait_for(work_horse, 120, lambda: "no batch taken\n" + site.pool.logs(), step=0.01)
        in_hand = site.current_job(victim.name)
        assert in_hand and horse in victim.children()
        signalled_at = datetime.now(UTC)
        for pid in [victim.pid, *victim.children()]:  # the worker, its work horse, its scheduler
            os.kill(pid, signal.SIGTERM)
        try:
            exit_code = victim.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            raise AssertionError("the worker did not stop after SIGTERM\n" + site.pool.logs()) from None
        victim.killed = True  # stopped on purpose, not failing to start
        job = Job.fetch(in_hand, connection=site.queue().connection)
        after_stop = publish_state(services, publish_id)
        waiting = site.queue().count
        site.pool.start(1)  # as systemd's Restart= would
        publish = wait_for_publish(services, publish_id, timeout=240, pool=site.pool)
        failed_jobs = site.queue().failed_job_registry.get_job_ids()
    finally:
        site.pool.stop()
    assert exit_code == 0, site.pool.logs()
    # The job in hand went on after SIGTERM and finished, once, in the worker that got it.
    assert job.get_status(refresh=False) == JobStatus.FINISHED, site.pool.logs()  # when the worker stopped
    assert job.ended_at is not None and job.ended_at.replace(tzinfo=UTC) > signalled_at
    assert job.worker_name == victim.name and job.retries_left == RETRIES
    # The worker took nothing more: the rest of the publish waited in the queue for the next one.
    assert 0 < after_stop.done < after_stop.total and waiting > 0
    assert publish.total > 0 and publish.failed == 0
    assert publish.rendered + publish.unchanged == publish.total
    assert_bucket_matches_db(services, "sigterm", publish.total)  # every asset stored, none twice
    thumbnails = list(services.storage.list("thumbnails/sigterm/"))
    assert len(thumbnails) == len(set(thumbnails)) == publish.total
    assert failed_jobs == []
