"""RQRunner: jobs on RQ 3 (Redis), for workers on any number of machines.

One helper enqueues (RQRunner.enqueue): it names the queue, sets a deterministic job id, the
timeout, the result and failure TTLs, and RQ's Retry; a delay puts the job in RQ's scheduled
registry, which our workers' scheduler moves onto the queue when it is due. The job's
on_failure handler is called once, after its last try, by `on_job_failure` below; RQ itself
calls a job's failure callback after every failed try (and when it finds a job abandoned by a
dead worker), so that function passes only the last call on.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from redis import Redis
from rq import Callback, Queue, Retry
from rq.exceptions import AbandonedJobError, DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from app.jobs.base import JobOptions, QueueStats, resolve

logger = logging.getLogger(__name__)

IN_FLIGHT = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED})
"""States in which a job will still run (or is running): enqueueing its id again does nothing."""

ON_FAILURE_META = "cobrand_on_failure"
"""Job meta key holding the dotted path of the job's own on_failure handler."""

TRIES_META = "cobrand_tries"
"""Job meta key holding how many times the job may run in all (1 + retries), for error messages."""


class RQRunner:
    """Enqueue jobs on one RQ queue of the Redis at redis_url (explicit connection, RQ 3)."""

    is_durable = True

    def __init__(self, redis_url: str, queue_name: str) -> None:
        self.redis_url = redis_url
        self.connection = Redis.from_url(redis_url)
        self.queue = Queue(queue_name, connection=self.connection)

    def __repr__(self) -> str:
        return f"RQRunner({self.queue.name!r})"

    def enqueue(self, func: str, *args: Any, options: JobOptions, delay: float = 0.0) -> None:
        """Queue func(*args) under options.job_id unless that job is already queued, scheduled or running."""
        meta = {**options.meta, TRIES_META: options.retries + 1}
        if options.on_failure:
            meta[ON_FAILURE_META] = options.on_failure
        fields: dict[str, Any] = {
            "args": args,
            "job_id": options.job_id,
            "timeout": options.timeout,
            "result_ttl": options.result_ttl,
            "failure_ttl": options.failure_ttl,
            "retry": Retry(max=options.retries, interval=list(options.retry_intervals) or 0)
            if options.retries > 0
            else None,
            "on_failure": Callback(on_job_failure),
            "meta": meta,
        }
        # A finished or failed job of the same id is replaced (retry-failed re-queues its work);
        # one still in flight is left alone. unique=True makes the check-and-save atomic in Redis.
        for _ in range(3):
            try:
                if delay > 0:
                    job = self.queue.create_job(func, **fields)
                    due = datetime.now(UTC) + timedelta(seconds=delay)
                    self.queue.schedule_job(job, due, unique=True)
                else:
                    self.queue.enqueue_call(func, **fields, unique=True)
                return
            except DuplicateJobError:
                try:
                    existing = Job.fetch(options.job_id, connection=self.connection)
                except NoSuchJobError:
                    continue  # it expired between the two calls: enqueue again
                if existing.get_status(refresh=False) in IN_FLIGHT:
                    logger.debug("job %s is already in flight; not enqueued again", options.job_id)
                    return
                existing.delete()
        raise RuntimeError(f"could not enqueue job {options.job_id}: its id kept reappearing in Redis")

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Workers, not this process, run RQ's jobs: there is nothing here to wait for."""
        return False

    def has_in_flight(self, job_id_prefix: str) -> bool:
        """Looks at the jobs themselves in Redis: after Redis lost its data, none is in flight."""
        for key in self.connection.scan_iter(
            match=f"{Job.redis_job_namespace_prefix}{job_id_prefix}*", count=500
        ):
            job_id = key.decode().removeprefix(Job.redis_job_namespace_prefix)
            try:
                if Job.fetch(job_id, connection=self.connection).get_status(refresh=False) in IN_FLIGHT:
                    return True
            except NoSuchJobError:
                continue
        return False

    def cancel_scheduled(self, job_id: str) -> bool:
        try:
            job = Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return False
        if job.get_status(refresh=False) != JobStatus.SCHEDULED:
            return False  # due already (queued or running): it runs
        job.delete()
        return True

    def count(self) -> int:
        """Jobs waiting in the queue (not started, not scheduled)."""
        return self.queue.count

    def stats(self) -> QueueStats:
        """The queue's counts from Redis, and how long its oldest waiting job has waited."""
        queue = self.queue
        oldest = 0.0
        for job_id in queue.get_job_ids(0, 0):  # RQ appends at the end: the first job is the oldest
            job = (
                Job.fetch(job_id, connection=self.connection) if Job.exists(job_id, self.connection) else None
            )
            if job is not None and job.enqueued_at is not None:
                at = job.enqueued_at if job.enqueued_at.tzinfo else job.enqueued_at.replace(tzinfo=UTC)
                oldest = max(0.0, (datetime.now(UTC) - at).total_seconds())
        return QueueStats(
            name=queue.name,
            queued=queue.count,
            started=queue.started_job_registry.count,
            scheduled=queue.scheduled_job_registry.count,
            failed=queue.failed_job_registry.count,
            oldest_age_seconds=oldest,
        )


def on_job_failure(
    job: Job,
    connection: Redis,
    exc_type: type[BaseException] | None,
    exc_value: BaseException | None,
    traceback: TracebackType | None,
) -> None:
    """RQ failure callback: call the job's own on_failure handler once no retry is left."""
    if job.retries_left:
        return  # RQ will run the job again; this was not the last try
    call_failure_handler(job, failure_message(exc_type, exc_value, job))


def call_failure_handler(job: Job, message: str) -> None:
    """Call the job's own on_failure handler, if it has one, with its args and message."""
    handler = job.meta.get(ON_FAILURE_META)
    if handler:
        resolve(handler)(tuple(job.args), message)


def failure_message(exc_type: type[BaseException] | None, exc_value: BaseException | None, job: Job) -> str:
    """A one-line error for the asset records: what went wrong on the last try."""
    count = int(job.meta.get(TRIES_META, 1))
    tries = f"after {count} {'try' if count == 1 else 'tries'}"
    if exc_type is AbandonedJobError or isinstance(exc_value, AbandonedJobError):
        return f"the worker running this job died (killed or lost) {tries}"
    name = exc_type.__name__ if exc_type else "Error"
    detail = str(exc_value).strip() if exc_value else ""
    return f"{name}: {detail} ({tries})" if detail else f"{name} ({tries})"
