"""Jobs: plain functions of ids, run on RQ when REDIS_URL is set, otherwise in this process.

Callers enqueue through the runner's one method, `enqueue(func, *args, options=, delay=)`,
and never branch on the backend. This package imports nothing else of the app.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from app.config import Settings
from app.jobs.base import JobOptions, JobRunner, QueueStats, resolve
from app.jobs.inline import InlineRunner

__all__ = ["InlineRunner", "JobOptions", "JobRunner", "QueueStats", "build_runner", "resolve"]


def build_runner(
    config: Settings, context: Callable[[], AbstractContextManager[Any]] | None = None
) -> JobRunner:
    """RQ on REDIS_URL's queue RQ_QUEUE, or in-process (jobs run inside context())."""
    if config.REDIS_URL:
        from app.jobs.rq_runner import RQRunner  # imported only here: RQ and redis are optional

        return RQRunner(config.REDIS_URL, config.RQ_QUEUE)
    return InlineRunner(context)
