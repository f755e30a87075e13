"""`flask worker …`: run an RQ worker; queue the webhook deliveries that are due."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from app.cli.support import app_services, fail

RUN_OPTIONS = (
    click.option("--simple", is_flag=True, help="Run jobs in the worker process (no fork per job)."),
    click.option("--burst", is_flag=True, help="Quit when the queue is empty."),
    click.option("--name", default=None, help="Worker name (default: a random id)."),
    click.option("--queue", "queues", multiple=True, help="Queue name(s) (default: RQ_QUEUE)."),
    click.option("--log-level", default=None, help="Log level (default: LOG_LEVEL, INFO)."),
    click.option("--health-port", type=int, default=None, help="Serve /healthz and /metrics on this port."),
    click.option("--health-host", default="127.0.0.1", show_default=True, help="Address for --health-port."),
)
"""The options of `worker run`, also taken by `worker` alone (its old form)."""


def run_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(RUN_OPTIONS):
        function = option(function)
    return function


@click.group("worker", cls=AppGroup, invoke_without_command=True)
@run_options
@click.pass_context
@with_appcontext
def group(ctx: click.Context, **options: Any) -> None:
    """Workers: run one (the default, with the options of `worker run`), deliver-pending."""
    if ctx.invoked_subcommand is None:
        start_worker(**options)


@group.command("run")
@run_options
def run(**options: Any) -> None:
    """Run an RQ worker: warm up once, then render jobs from REDIS_URL's queue."""
    start_worker(**options)


def start_worker(
    simple: bool, burst: bool, name: str | None, queues: tuple[str, ...], log_level: str | None,
    health_port: int | None, health_host: str,
) -> None:  # fmt: skip
    """Configure logging and metrics for a worker process, then run the worker until it stops."""
    import atexit
    import shutil
    import tempfile

    from app import metrics
    from app.ops.logs import configure_logging
    from workers.worker import run_worker

    services = app_services()
    if not services.config.REDIS_URL:
        fail("REDIS_URL is not set: without it jobs run in-process and there is nothing to work on")
    level = (log_level or services.config.LOG_LEVEL).upper()
    configure_logging(dataclasses.replace(services.config, LOG_LEVEL=level))
    if not metrics.is_multiprocess():
        # Jobs run in forked work horses: their counts reach /metrics only through files.
        folder = tempfile.mkdtemp(prefix="cobrand-worker-metrics-")
        atexit.register(shutil.rmtree, folder, True)
        metrics.ensure_multiprocess_dir(folder)
    else:
        metrics.ensure_multiprocess_dir(metrics.multiprocess_dir())
    names = list(queues) or None
    run_worker(
        services, simple=simple, burst=burst, name=name, queue_names=names, logging_level=level,
        health_host=health_host, health_port=health_port,
    )  # fmt: skip


@group.command("deliver-pending")
def deliver_pending() -> None:
    """Queue the next attempt of every pending webhook delivery that is due (safe to run any time)."""
    from app.webhooks.delivery import requeue_pending

    services = app_services()
    count = requeue_pending(services)
    services.jobs.wait_idle()  # in-process: deliver now, before this command exits
    click.echo(f"queued {count} pending deliveries")
