"""RQ jobs: plain functions of ids. Services are built once per worker process, not per job."""

from __future__ import annotations

from typing import Any

from app import publishing
from app.ops.logs import job_logged
from app.services import get_services


def render_batch(publish_id: int, partner_ids: list[int], output_ids: list[str] | None = None) -> None:
    """Render one batch of partners' assets for a publish."""
    with job_logged("render_batch", publish_id=publish_id, partners=len(partner_ids)):
        publishing.render_batch(get_services(), publish_id, partner_ids, output_ids)


def render_batch_failed(job_args: tuple[Any, ...], error: BaseException | str) -> None:
    """Called once after a batch's last try failed: mark its unfinished assets failed."""
    publish_id, partner_ids, output_ids = job_args
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    with job_logged("render_batch_failed", publish_id=publish_id, partners=len(partner_ids)):
        publishing.mark_batch_failed(get_services(), publish_id, partner_ids, output_ids, message)
