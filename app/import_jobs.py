"""A console import runs as a job, so a 10,000-row export is never worked through inside a request.

The upload waits in storage between its preview and its import; the job writes its progress (and,
at the end, its report) next to it, where the console's progress bar reads it.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from app.jobs import JobOptions
from app.partner_import import import_partners
from app.services import Services

UPLOAD = "imports/{token}"
STATE = "imports/{token}.json"
IMPORT_JOB = "workers.import_jobs.run_import"


def save_upload(services: Services, data: bytes) -> str:
    """Keep an uploaded export until it is imported; returns its token."""
    token = secrets.token_urlsafe(24)
    services.storage.put(UPLOAD.format(token=token), data, content_type="application/octet-stream")
    return token


def _write_state(services: Services, token: str, state: dict[str, Any]) -> None:
    body = json.dumps(state).encode()
    services.storage.put(STATE.format(token=token), body, content_type="application/json")


def import_state(services: Services, token: str) -> dict[str, Any] | None:
    """{done, total, percent, completed, failed[, report]} of an import, or None if there is none."""
    try:
        return json.loads(services.storage.open(STATE.format(token=token)))  # type: ignore[no-any-return]
    except FileNotFoundError:
        return None


def start_import(services: Services, token: str, filename: str) -> None:
    """Queue the import of an upload kept by save_upload (FileNotFoundError if it is gone)."""
    if not services.storage.exists(UPLOAD.format(token=token)):
        raise FileNotFoundError(token)
    _write_state(services, token, {"done": 0, "total": 0, "percent": 0, "completed": False, "failed": 0})
    timeout = services.config.JOB_TIMEOUT
    services.jobs.enqueue(IMPORT_JOB, token, filename,
                          options=JobOptions(job_id=f"import-{token}", timeout=max(timeout, 3600), retries=0))  # fmt: skip


def run_import(services: Services, token: str, filename: str) -> dict[str, int]:
    """The job: import the upload, writing progress as batches are written, then the report."""
    key = UPLOAD.format(token=token)
    data = services.storage.open(key)

    def progress(done: int, total: int) -> None:
        percent = round(100 * done / total) if total else 100
        _write_state(services, token, {"done": done, "total": total, "percent": percent, "completed": False,
                                       "failed": 0})  # fmt: skip

    report = import_partners(services, data, filename=filename, progress=progress)
    total = len(report.rows)
    _write_state(services, token, {"done": total, "total": total, "percent": 100, "completed": True,
                                   "failed": report.rejected, "report": report.as_json()})  # fmt: skip
    services.storage.delete(key)
    return {"created": report.created, "updated": report.updated, "rejected": report.rejected}
