"""Old name of app.jobs, kept while call sites move to it; new code imports app.jobs."""

from app.jobs import InlineRunner as InlineQueue
from app.jobs import JobOptions, resolve
from app.jobs import JobRunner as JobQueue

__all__ = ["InlineQueue", "JobOptions", "JobQueue", "resolve"]
