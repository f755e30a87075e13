"""The RQ worker entry point: `flask --app wsgi worker` (or `make worker`).

A worker builds its services once, warms WeasyPrint, fonts, stylesheets and brand kits up in
the parent process, and only then starts taking jobs. The default forking worker runs each job
in a child forked from that warm parent (a crashing job cannot take the worker down, and
nothing a job allocates outlives it); `--simple` runs jobs in the worker process itself.
So that a child starts as warm as a --simple worker: the parent imports every job module, warms
what a batch needs whatever the partner before forking it (app.batches.warm_batch: the stored
masters read from storage once per worker process, not once per job, their thumbnails, the image
outputs' fixed layers, templates, the batch's SQL compiled), and the child's garbage collector
leaves what it inherited alone.

Database connections never cross a fork: the parent disposes of its pool before working, and
each job's child drops whatever pool it inherited (without closing the parent's sockets).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import time
from typing import Any

from rq import Queue, SimpleWorker, Worker
from rq.job import Job

from app.batches import warm_batch
from app.errors import CobrandError
from app.jobs.rq_runner import TRIES_META, RQRunner, call_failure_handler
from app.ops.logs import log_context
from app.rendering.lint import in_program
from app.rendering.model import CampaignInput, PartnerInput
from app.rendering.renderer import WARM_ASSET_BASE
from app.services import Services, set_process_services
from workers import import_jobs, link_jobs, webhook_jobs  # noqa: F401 (imported once, not by each child)
from workers.jobs import batches_of

logger = logging.getLogger(__name__)

WARM_UP_PARTNER = PartnerInput(
    slug="warm-up",
    name="Warm-up Partner Ltd",
    type="",
    tier="",
    region="",
    country="US",
    locale="en-US",
    website="https://warm-up.example.com",
    email="sales@warm-up.example.com",
    phone="+1 555 0100",
    address="1 Example Way, Springfield",
    logo=None,
    custom={},
)
"""A throwaway partner: rendering it once per template loads fonts, stylesheets and images.
Its type, tier and region are filled in from the partner program at warm-up."""


WARM_UP_CAMPAIGN = CampaignInput(slug="warm-up", landing_url="", asset_base_url=WARM_ASSET_BASE)
"""E-mails publish their images under an absolute base URL: without one they do not render."""


def warm_up(services: Services) -> dict[str, float]:
    """Import WeasyPrint, build the renderer and render every template once; returns seconds per step."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    import weasyprint  # noqa: F401  (the import itself is the ~0.4 s we pay once, here)

    renderer = services.renderer
    timings["import"] = time.perf_counter() - started
    content = services.content
    partner = in_program(WARM_UP_PARTNER, content.program())
    kits = []
    for slug in content.brand_kit_slugs():
        try:
            kits.append(content.brand_kit(slug))
        except Exception:  # ok: a broken kit must not stop the worker; jobs using it will fail loudly
            logger.exception("warm-up: brand kit %s does not load", slug)
    for slug in content.template_slugs():
        step = time.perf_counter()
        try:
            template = content.template(slug)
            for kit in kits:
                renderer.render(kit, template, partner, WARM_UP_CAMPAIGN)
        except Exception:  # ok: warm-up only (not a job); logged, and jobs using it fail loudly
            logger.exception("warm-up: template %s does not render", slug)
        timings[slug] = time.perf_counter() - step
    return timings


class _ForkSafety:
    """Mixin: drop the database pool inherited from the parent at the start of every job's child."""

    services: Services

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        # SQLAlchemy's advice for forked processes: forget the parent's connections without
        # closing them (they are the parent's sockets), and open fresh ones on demand.
        self.services.db.engine.dispose(close=False)
        super().main_work_horse(job, queue)  # type: ignore[misc]


MASTERS_READ_META = "cobrand_masters_read_by_parent"
"""Job meta key: how many masters the worker's parent read from storage before forking the job."""


class _InheritsMasters:
    """Mixin: before forking a batch's work horse, warm this parent with what the batch needs
    whatever the partner (app.batches.warm_batch: the stored masters it will stamp on, bounded and
    none laid out here; fixed image layers; compiled SQL), so that the child inherits it and every
    later child of the same campaign starts with it too, as a --simple worker would."""

    services: Services

    def execute_job(self, job: Job, queue: Queue) -> Any:
        renderer = self.services.renderer
        before = renderer.stats()["masters_loaded"]
        try:
            for publish_id, partner_ids in batches_of(job.func_name, tuple(job.args)):
                warm_batch(self.services, publish_id, partner_ids)
        except CobrandError as exc:  # a deleted publish, a broken template: the job reports it
            logger.info("job %s not warmed before forking it: %s", job.id, exc)
        except Exception:  # ok: only a head start; the job's child reads or lays out what it needs
            logger.exception("job %s not warmed before forking it", job.id)
        finally:
            self.services.storage.close_connections()
        read = renderer.stats()["masters_loaded"] - before
        if read:
            job.meta[MASTERS_READ_META] = read
            job.save_meta()
        return super().execute_job(job, queue)  # type: ignore[misc]


class _LeavesInheritedObjectsAlone:
    """Mixin: the work horse's garbage collector leaves every object inherited from the warm parent
    alone (gc.freeze): each full collection would otherwise walk the parent's whole heap (WeasyPrint,
    fonts, masters), touching, and so copying, its pages, in every job. The child's own garbage is
    collected as usual; the parent's heap is untouched (its own collector runs as before)."""

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        gc.freeze()
        super().main_work_horse(job, queue)  # type: ignore[misc]


class _FinishesJobOnSigterm:
    """Mixin: the work horse ignores SIGTERM, so the job in hand finishes when a stop signals every
    process of the worker (systemd's default KillMode=control-group does), not only the parent.
    The parent's warm shutdown waits for it; a cold shutdown (a second signal) and job time-outs
    still end it, with SIGKILL."""

    def setup_work_horse_signals(self) -> None:
        super().setup_work_horse_signals()  # type: ignore[misc]
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


class _BoundedHeartbeat:
    """Mixin: a job whose worker stopped proving it is alive counts as abandoned after
    job_monitoring_interval + heartbeat_grace seconds, not RQ's fixed interval + 60 s, so
    another worker's registry sweep runs it again in a bounded time."""

    heartbeat_grace: int = 60
    job_monitoring_interval: int

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        if job.timeout and job.timeout > 0:
            remaining = max(job.timeout - working_time, 0)
            return int(min(remaining, self.job_monitoring_interval)) + self.heartbeat_grace
        return self.job_monitoring_interval + self.heartbeat_grace


class _SweepsDeliveries:
    """Mixin: at start and every maintenance_interval seconds, queue again the webhook deliveries
    that are pending and due, and the batches of running publishes whose jobs vanished, so none is
    lost when a restart (or a lost Redis) dropped its job."""

    services: Services

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()  # type: ignore[misc]
        from app.webhooks.delivery import requeue_pending

        try:
            requeue_pending(self.services)
        except Exception:  # ok: the database may be briefly away; the next maintenance run tries again
            logger.exception("webhook delivery sweep failed")
        from app.publish_sweep import requeue_lost_batches

        try:
            requeue_lost_batches(self.services)
        except Exception:  # ok: the database or Redis may be briefly away; the next run tries again
            logger.exception("publish sweep failed")


class _LogsJobContext:
    """Mixin: every line about a job (RQ's own, in the parent and the forked work horse, and the
    job's) carries the job id and the fields its enqueuer put in meta["log"] (the publish id)."""

    def execute_job(self, job: Job, queue: Queue) -> Any:
        with log_context(rq_job=job.id, **(job.meta.get("log") or {})):
            return super().execute_job(job, queue)  # type: ignore[misc]


class CobrandWorker(
    _LogsJobContext,
    _InheritsMasters,
    _SweepsDeliveries,
    _ForkSafety,
    _LeavesInheritedObjectsAlone,
    _FinishesJobOnSigterm,
    _BoundedHeartbeat,
    Worker,
):
    """The forking worker: each job runs in a child of the warm parent."""

    def handle_work_horse_killed(self, job: Job, retpid: int, ret_val: int, rusage: Any) -> None:
        # A child killed outright (OOM killer, SIGKILL) never reaches RQ's failure callback, which
        # runs inside the child; on the last try, record the failure from here instead.
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        if job.retries_left:
            return
        signum = os.WTERMSIG(ret_val) if ret_val and os.WIFSIGNALED(ret_val) else None
        detail = f"killed by signal {signum}" if signum else f"exited with status {ret_val}"
        tries = int(job.meta.get(TRIES_META, 1))
        plural = "try" if tries == 1 else "tries"
        call_failure_handler(job, f"the work horse running this job was {detail} (after {tries} {plural})")


class CobrandSimpleWorker(_LogsJobContext, _SweepsDeliveries, SimpleWorker):
    """Runs jobs in the worker process itself (faster per job; a crash ends the worker, and its
    job counts as abandoned only after the job timeout + 60 s, RQ's rule for this worker)."""


def build_worker(
    services: Services,
    *,
    simple: bool = False,
    name: str | None = None,
    queue_names: list[str] | None = None,
) -> Worker:
    """An RQ worker on the services' queue(s), configured from services.config."""
    rq_queue = services.jobs
    if not isinstance(rq_queue, RQRunner):
        raise RuntimeError("REDIS_URL is not set: there is no queue to work on (jobs run in-process)")
    config = services.config
    queues = [Queue(n, connection=rq_queue.connection) for n in (queue_names or [rq_queue.queue.name])]
    options: dict[str, Any] = {
        "name": name,
        "connection": rq_queue.connection,
        "worker_ttl": config.WORKER_TTL,
        "job_monitoring_interval": config.WORKER_JOB_MONITORING_INTERVAL,
        "maintenance_interval": config.WORKER_MAINTENANCE_INTERVAL,
    }
    worker: Worker = (CobrandSimpleWorker if simple else CobrandWorker)(queues, **options)
    worker.services = services  # type: ignore[attr-defined]
    if isinstance(worker, _BoundedHeartbeat):
        worker.heartbeat_grace = config.WORKER_HEARTBEAT_GRACE
    return worker


def run_worker(
    services: Services,
    *,
    simple: bool = False,
    burst: bool = False,
    name: str | None = None,
    queue_names: list[str] | None = None,
    logging_level: str = "INFO",
    max_jobs: int | None = None,
    health_host: str = "127.0.0.1",
    health_port: int | None = None,
) -> bool:
    """Warm up, then work on the queue until stopped (SIGTERM/SIGINT: finish the job, then stop).

    With health_port, serve the worker's /healthz and /metrics there (workers/health.py).
    """
    set_process_services(services)
    worker = build_worker(services, simple=simple, name=name, queue_names=queue_names)
    if health_port is not None:
        from workers.health import start_health_server

        start_health_server(worker, services, health_host, health_port)
    timings = warm_up(services)
    logger.info(
        "warm-up done in %.2f s: %s",
        sum(timings.values()),
        ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()),
    )
    # No connection may be open when the first child is forked.
    services.db.dispose()
    services.storage.close_connections()
    return worker.work(burst=burst, with_scheduler=True, logging_level=logging_level, max_jobs=max_jobs)
