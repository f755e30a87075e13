"""Old name of app.jobs.rq_runner, kept while call sites move to it; new code imports app.jobs."""

from app.jobs.rq_runner import (
    IN_FLIGHT,
    ON_FAILURE_META,
    TRIES_META,
    call_failure_handler,
    failure_message,
    on_job_failure,
)
from app.jobs.rq_runner import RQRunner as RQQueue

__all__ = [
    "IN_FLIGHT", "ON_FAILURE_META", "TRIES_META", "RQQueue",
    "call_failure_handler", "failure_message", "on_job_failure",
]  # fmt: skip
