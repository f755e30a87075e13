"""RQ job: a partner import started from the console (see app/import_jobs.py)."""

from __future__ import annotations

from app import import_jobs
from app.ops.logs import job_logged
from app.services import get_services


def run_import(token: str, filename: str) -> dict[str, int]:
    """Import an uploaded export, writing progress where the console reads it."""
    with job_logged("run_import", upload=token[:8]):
        return import_jobs.run_import(get_services(), token, filename)
