"""RQRunner against a real Redis, jobs run in-process by a burst SimpleWorker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from rq import SimpleWorker

from app.jobs import JobOptions
from app.jobs.rq_runner import RQRunner
from app.publish_jobs import enqueue_plan
from app.publishing import plan_publish, start_publish
from app.services import Services, using_services


def _campaign(runner: Any) -> None:
    result = runner.invoke(
        args=["create-campaign", "spring", "--template", "spring-flyer", "--brand-kit", "northwind"]
    )
    assert result.exit_code == 0, result.output


def test_repeated_enqueue_of_a_publish_adds_no_duplicate_work(
    make_app: Callable[..., Flask], redis_url: str, redis_conn: Any
) -> None:
    from app.partner_import import import_partners_file
    from tests.fixtures_app import SAMPLE_CSV

    app = make_app(REDIS_URL=redis_url, PUBLISH_BATCH_SIZE=4, JOB_RETRIES=1, JOB_RETRY_INTERVALS=(0,))
    services: Services = app.extensions["cobrand"]
    assert isinstance(services.queue, RQRunner)
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    _campaign(app.test_cli_runner())

    plan = plan_publish(services, "spring")
    assert len(plan.batches) == 3  # 12 partners in batches of 4
    enqueue_plan(services, plan)
    enqueue_plan(services, plan)  # the same batches again, while still queued: nothing added
    assert services.queue.count() == 3

    worker = SimpleWorker([services.queue.queue], connection=redis_conn)
    with using_services(services):
        worker.work(burst=True)
    with services.db.session() as session:
        from app.models import Publish

        publish = session.get(Publish, plan.publish_id)
        assert publish is not None
        assert (publish.status.value, publish.rendered, publish.failed) == ("completed", 12, 0)

    # Once finished, the same id may be queued again (retry-failed does this); it redoes nothing.
    enqueue_plan(services, plan)
    assert services.queue.count() == 3
    with using_services(services):
        SimpleWorker([services.queue.queue], connection=redis_conn).work(burst=True)
    again = start_publish(services, "spring")
    with using_services(services):
        SimpleWorker([services.queue.queue], connection=redis_conn).work(burst=True)
    with services.db.session() as session:
        publish = session.get(Publish, plan.publish_id)
        assert publish is not None and (publish.rendered, publish.unchanged) == (12, 0)
        second = session.get(Publish, again)
        assert second is not None and (second.rendered, second.unchanged) == (0, 12)


calls: list[tuple[Any, ...]] = []


def fail_always(*args: Any) -> None:
    raise OSError("storage unreachable")


def record_failure(job_args: tuple[Any, ...], error: str) -> None:
    calls.append((job_args, error))


def test_failure_handler_runs_once_after_the_last_try(redis_url: str, redis_conn: Any) -> None:
    calls.clear()
    queue = RQRunner(redis_url, "failing")
    options = JobOptions(
        job_id="always-fails",
        retries=2,
        retry_intervals=(0,),
        on_failure="tests.workers.test_queue.record_failure",
    )
    queue.enqueue("tests.workers.test_queue.fail_always", 1, [2, 3], options=options)
    SimpleWorker([queue.queue], connection=redis_conn).work(burst=True)
    assert len(calls) == 1
    assert calls[0][0] == (1, [2, 3])
    assert calls[0][1] == "OSError: storage unreachable (after 3 tries)"


def die_hard(*args: Any) -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def test_work_horse_killed_on_the_last_try_still_calls_the_failure_handler(
    make_app: Callable[..., Flask], redis_url: str, redis_conn: Any
) -> None:
    from workers.worker import build_worker

    calls.clear()
    services: Services = make_app(REDIS_URL=redis_url).extensions["cobrand"]
    options = JobOptions(job_id="dies", retries=0, on_failure="tests.workers.test_queue.record_failure")
    services.queue.enqueue("tests.workers.test_queue.die_hard", 7, options=options)
    worker = build_worker(services)  # the forking worker: the job's child is SIGKILLed
    worker.work(burst=True)
    assert calls == [((7,), "the work horse running this job was killed by signal 9 (after 1 try)")]


def test_batches_queued_by_the_prepare_job_keep_the_publishs_retries(
    make_app: Callable[..., Flask], redis_url: str, redis_conn: Any
) -> None:
    """The worker that runs the prepare job has its own settings; the batches keep the planner's."""
    from rq.job import Job

    from app.models import Publish
    from app.partner_import import import_partners_file
    from tests.fixtures_app import SAMPLE_CSV

    # Batches of 2: the three en-US partners need one master from two batches, so a prepare job lays it out.
    app = make_app(REDIS_URL=redis_url, PUBLISH_BATCH_SIZE=2, JOB_RETRIES=1, JOB_RETRY_INTERVALS=(0,))
    services: Services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    _campaign(app.test_cli_runner())
    plan = plan_publish(services, "spring")
    enqueue_plan(services, plan)
    assert services.queue.queue.get_job_ids() == [f"publish-{plan.publish_id}-prepare"]

    worker_app = make_app(DATABASE_URL=app.config["DATABASE_URL"], STORAGE_URL=app.config["STORAGE_URL"],
                          REDIS_URL=redis_url, JOB_RETRIES=5, JOB_RETRY_INTERVALS=(30,))  # fmt: skip
    worker_services: Services = worker_app.extensions["cobrand"]
    with using_services(worker_services):
        SimpleWorker([services.queue.queue], connection=redis_conn).work(burst=True, max_jobs=1)
    batch_ids = services.queue.queue.get_job_ids()
    assert len(batch_ids) == len(plan.batches)
    for job in Job.fetch_many(batch_ids, connection=redis_conn):
        assert job is not None and job.retries_left == 1 and job.retry_intervals == [0], job.id
    with using_services(worker_services):
        SimpleWorker([services.queue.queue], connection=redis_conn).work(burst=True)
    with services.db.session() as session:
        publish = session.get(Publish, plan.publish_id)
        assert publish is not None
        assert (publish.status.value, publish.rendered, publish.failed) == ("completed", 12, 0)
