"""Publishing with a real Redis, 2 real worker processes, PostgreSQL and the S3 endpoint.

The workers are started once for this module (tests/workers/conftest.py) and shared; each test
publishes its own campaign, so the bucket and the database are compared campaign by campaign.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from redis import Redis
from rq import Queue, Worker
from rq.job import Job, JobStatus
from sqlalchemy import func, select

from app.models import Asset, AssetStatus, Campaign, Publish
from app.publishing import start_publish
from tests.workers.conftest import Cluster
from tests.workers.support import (
    assert_bucket_matches_db,
    generate_partners,
    publish_state,
    wait_for,
    wait_for_publish,
)
from workers.worker import MASTERS_READ_META

PARTNERS = 1000
"""Generated partners: every test publishes to a slice of them chosen by audience."""


@pytest.fixture(scope="module")
def partner_ids(cluster: Cluster) -> list[int]:
    return generate_partners(cluster.services, PARTNERS)


def _outcomes(cluster: Cluster, publish_id: int) -> dict[str, int]:
    with cluster.services.db.session() as session:
        rows = session.execute(
            select(Asset.outcome, func.count()).where(Asset.publish_id == publish_id).group_by(Asset.outcome)
        )
        return {outcome: count for outcome, count in rows}


def _publish_and_check(cluster: Cluster, slug: str, timeout: float) -> tuple[float, float, int]:
    services = cluster.services
    started = time.perf_counter()
    publish_id = start_publish(services, slug)
    publish = wait_for_publish(services, publish_id, timeout=timeout, pool=cluster.pool)
    first = time.perf_counter() - started
    total = publish.total
    assert total > 0
    assert (publish.rendered, publish.unchanged, publish.failed) == (total, 0, 0)
    assert_bucket_matches_db(services, slug, total)
    with services.db.session() as session:
        statuses = set(session.scalars(select(Asset.status).join(Campaign).where(Campaign.slug == slug)))
    assert statuses == {AssetStatus.RENDERED}

    started = time.perf_counter()
    again = start_publish(services, slug)
    publish = wait_for_publish(services, again, timeout=timeout, pool=cluster.pool)
    second = time.perf_counter() - started
    assert (publish.total, publish.rendered, publish.unchanged, publish.failed) == (total, 0, total, 0)
    assert_bucket_matches_db(services, slug, total)
    print(
        f"\n{total} partners: publish {first:.1f}s ({total / first:.1f} assets/s), re-publish {second:.1f}s"
    )
    return first, second, total


def test_publish_to_200_partners_then_republish_renders_nothing(
    cluster: Cluster, partner_ids: list[int]
) -> None:
    cluster.create_campaign("volume-resellers", types=["reseller"])  # about a fifth of the partners
    _publish_and_check(cluster, "volume-resellers", timeout=600)


@pytest.mark.slow
def test_publish_to_1000_partners_then_republish_renders_nothing(
    cluster: Cluster, partner_ids: list[int]
) -> None:
    cluster.create_campaign("volume")
    _, _, total = _publish_and_check(cluster, "volume", timeout=900)
    assert total == PARTNERS


def test_worker_killed_mid_publish_loses_nothing(cluster: Cluster, partner_ids: list[int]) -> None:
    services = cluster.services
    cluster.create_campaign("killed", types=["distributor"], regions=["EMEA"])
    publish_id = start_publish(services, "killed")
    victim = cluster.pool.alive()[0]
    connection = Redis.from_url(cluster.redis_url)

    def current_job() -> str | None:
        rq_worker = Worker.find_by_key(
            Worker.redis_worker_namespace_prefix + victim.name, connection=connection
        )
        return rq_worker.get_current_job_id() if rq_worker else None

    def batch_just_started() -> str | None:
        # Killed within 0.1 s of a batch's start, the work horse is mid-render (a batch takes
        # longer); a kill at any moment could land as the work horse files its job as finished.
        job_id = current_job()
        if job_id is None or job_id.endswith("-prepare"):
            return None
        started_at = Job.fetch(job_id, connection=connection).started_at
        if started_at is None:
            return None
        age = datetime.now(UTC) - (started_at if started_at.tzinfo else started_at.replace(tzinfo=UTC))
        return job_id if age.total_seconds() < 0.1 else None

    try:
        wait_for(batch_just_started, 60, "the worker started no batch", step=0.01)
        victim.kill_hard()
        # The job killed is the one the dead worker's record still names (RQ clears it when a job
        # ends), and it is left in the started registry.
        interrupted = current_job()
        assert interrupted is not None, "the worker was killed between two jobs"
        queue = Queue(services.config["RQ_QUEUE"], connection=connection)
        assert interrupted in queue.started_job_registry.get_job_ids()
        started = time.perf_counter()
        publish = wait_for_publish(services, publish_id, timeout=300, pool=cluster.pool)
        print(f"\npublish finished {time.perf_counter() - started:.1f}s after the kill")
        assert (publish.rendered, publish.failed) == (publish.total, 0)
        assert_bucket_matches_db(services, "killed", publish.total)
        thumbs = list(services.storage.list("thumbnails/killed/"))
        assert len(thumbs) == len(set(thumbs)) == publish.total
        # The interrupted job was found abandoned and run again (using up one retry), not lost.
        # (The batch that completes the publish does so just before RQ files its job as finished.)
        job = Job.fetch(interrupted, connection=connection)
        wait_for(
            lambda: job.get_status() == JobStatus.FINISHED, 30, lambda: f"job {job.id}: {job.get_status()}"
        )
        assert job.retries_left is not None and job.retries_left < services.config["JOB_RETRIES"]
    finally:
        cluster.pool.start(1)  # back to 2 workers for the next tests, whatever happened here


def _latest_publish_id(cluster: Cluster, slug: str) -> int:
    with cluster.services.db.session() as session:
        publish_id = session.scalar(
            select(Publish.id).join(Campaign).where(Campaign.slug == slug).order_by(Publish.id.desc())
        )
    assert publish_id is not None
    return publish_id


def test_s3_outage_shorter_than_the_retries_is_ridden_out(cluster: Cluster, partner_ids: list[int]) -> None:
    app = cluster.make_app(JOB_RETRIES=3, JOB_RETRY_INTERVALS=(2, 3, 5))
    services = app.extensions["cobrand"]
    cluster.create_campaign("outage-short", types=["referral"], tiers=["gold"], regions=["NA"])
    refused_before = cluster.proxy.failed_requests
    cluster.proxy.failing.set()
    try:
        publish_id = start_publish(services, "outage-short")
        time.sleep(4)
    finally:
        cluster.proxy.failing.clear()
    publish = wait_for_publish(services, publish_id, timeout=300, pool=cluster.pool)
    services.db.dispose()
    assert cluster.proxy.failed_requests > refused_before  # the workers did hit the outage
    assert (publish.rendered, publish.failed) == (publish.total, 0)
    assert_bucket_matches_db(cluster.services, "outage-short", publish.total)


def test_s3_outage_past_the_retries_fails_assets_then_retry_failed_completes_them(
    cluster: Cluster, partner_ids: list[int]
) -> None:
    app = cluster.make_app(JOB_RETRIES=1, JOB_RETRY_INTERVALS=(0,))
    services = app.extensions["cobrand"]
    runner = app.test_cli_runner()
    cluster.create_campaign("outage-long", types=["marketplace"], tiers=["platinum"], regions=["APAC"])
    cluster.proxy.failing.set()
    try:
        result = runner.invoke(args=["publish", "outage-long"])
    finally:
        cluster.proxy.failing.clear()
    assert result.exit_code == 2, result.output
    publish_id = _latest_publish_id(cluster, "outage-long")
    publish = publish_state(services, publish_id)
    assert publish.total > 0
    assert f"0 rendered, 0 unchanged, {publish.total} failed (of {publish.total})" in result.output
    failures = [line for line in result.output.splitlines() if line.startswith("failed: gen-")]
    assert len(failures) == publish.total
    assert all("InternalError" in line and "after 2 tries" in line for line in failures), failures[:3]
    with services.db.session() as session:
        assert set(session.scalars(select(Asset.status).where(Asset.publish_id == publish_id))) == {
            AssetStatus.FAILED
        }

    again = runner.invoke(args=["retry-failed", str(publish_id)])
    assert again.exit_code == 0, again.output
    assert f"re-queued {publish.total} failed asset(s)" in again.output
    assert f"{publish.total} rendered, 0 unchanged, 0 failed (of {publish.total})" in again.output
    assert_bucket_matches_db(cluster.services, "outage-long", publish.total)
    services.db.dispose()


def test_cli_publish_shows_progress_and_counts_with_workers(cluster: Cluster, partner_ids: list[int]) -> None:
    runner = cluster.app.test_cli_runner()
    cluster.create_campaign(
        "cli-progress", types=["system_integrator"], tiers=["registered"], regions=["EMEA"]
    )
    result = runner.invoke(args=["publish", "cli-progress"])
    assert result.exit_code == 0, result.output
    publish = publish_state(cluster.services, _latest_publish_id(cluster, "cli-progress"))
    assert f"publish {publish.id}" in result.output  # the progress bar's label
    # (Off a terminal click shows the bar's label only; on one it redraws "label [###] n/total".)
    assert f"{publish.total} rendered, 0 unchanged, 0 failed (of {publish.total})" in result.output


def test_two_forking_workers_lay_a_campaign_master_out_once_in_total(
    cluster: Cluster, partner_ids: list[int]
) -> None:
    """Must-show: the master is laid out by one job, stored once, and read from storage once per
    worker process: by its warm parent before forking the first batch, every child inheriting it."""
    from app.masters import StorageMasterStore

    services = cluster.services
    cluster.create_campaign("shared-master", types=["referral"], regions=["APAC"])
    publish_id = start_publish(services, "shared-master")
    publish = wait_for_publish(services, publish_id, timeout=600, pool=cluster.pool)
    assert publish.total > 0 and publish.rendered == publish.total

    # In storage: one master for the campaign's one PDF output with a co-brand zone.
    stored = StorageMasterStore(services.storage).keys("shared-master")
    assert len(stored) == 1 and stored[0].startswith("masters/shared-master/spring-flyer-flyer-"), stored

    # By the renderer's counters, which every job returns (RQ keeps them as its result).
    queue = services.jobs.queue  # type: ignore[attr-defined]
    batches = -(-len(set(_partner_ids_of(cluster, publish_id))) // 10)  # batches of 10

    def finished() -> list[str]:  # the last batch completes the publish just before RQ files it as finished
        ids = [i for i in queue.finished_job_registry.get_job_ids() if i.startswith(f"publish-{publish_id}-")]
        return ids if len(ids) > batches else []

    ids = wait_for(finished, 30, "not every job of the publish finished")
    jobs = {job.id: job for job in Job.fetch_many(ids, connection=queue.connection) if job is not None}
    prepare = jobs.pop(f"publish-{publish_id}-prepare")
    assert prepare.return_value() == {
        "masters_laid_out": 1, "masters_loaded": 0, "zones_batched": 0, "image_masters_drawn": 0,
    }  # fmt: skip
    assert len(jobs) == batches >= 2
    workers_seen = {job.worker_name for job in jobs.values()}
    assert len(workers_seen) == 2, workers_seen  # both worker processes ran batches
    for job in jobs.values():  # each batch ran in a forked child that found the master in memory
        counters = job.return_value()
        assert (counters["masters_laid_out"], counters["masters_loaded"]) == (0, 0), (job.id, counters)
        assert counters["zones_batched"] > 0, (job.id, counters)  # its zones laid out as one document
    # Each worker's parent read it from storage once, before forking the first batch it took.
    reads = {job.id: job.meta.get(MASTERS_READ_META, 0) for job in jobs.values()}
    assert sum(reads.values()) == len(workers_seen), reads
    for worker in workers_seen:
        first = min((j for j in jobs.values() if j.worker_name == worker), key=lambda j: j.started_at)
        assert reads[first.id] == 1, (worker, reads)


def test_forked_batches_of_an_image_campaign_draw_none_of_its_fixed_layers(
    cluster: Cluster, partner_ids: list[int]
) -> None:
    """Each worker's parent draws a campaign's partner-independent image layers before forking the
    first batch of it (Renderer.warm); every batch's child inherits them and draws none itself."""
    services = cluster.services
    cluster.create_campaign("shared-layers", template="social-launch", types=["referral"], regions=["APAC"])
    publish_id = start_publish(services, "shared-layers")
    publish = wait_for_publish(services, publish_id, timeout=600, pool=cluster.pool)
    assert publish.total > 0 and publish.rendered == publish.total
    queue = services.jobs.queue  # type: ignore[attr-defined]
    batches = -(-len(set(_partner_ids_of(cluster, publish_id))) // 10)  # batches of 10

    def finished() -> list[str]:
        ids = [i for i in queue.finished_job_registry.get_job_ids() if i.startswith(f"publish-{publish_id}-")]
        return ids if len(ids) >= batches else []

    ids = wait_for(finished, 30, "not every batch of the publish finished")
    jobs = [job for job in Job.fetch_many(ids, connection=queue.connection) if job is not None]
    assert len(jobs) == batches >= 2
    for job in jobs:
        assert job.return_value()["image_masters_drawn"] == 0, (job.id, job.return_value())


def _partner_ids_of(cluster: Cluster, publish_id: int) -> list[int]:
    with cluster.services.db.session() as session:
        return list(session.scalars(select(Asset.partner_id).where(Asset.publish_id == publish_id)))
