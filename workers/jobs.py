"""RQ jobs: plain functions of ids. Services are built once per worker process, not per job."""

from __future__ import annotations

from typing import Any

from app import batches, partner_publish, publish_progress
from app.ops.logs import job_logged
from app.services import get_services


def prepare_publish(
    publish_id: int,
    partner_batches: list[list[int]],
    output_ids: list[str] | None,
    policy: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Lay out a publish's masters once (stored for every worker), then queue its batches."""
    with job_logged("prepare_publish", publish_id=publish_id, batches=len(partner_batches)):
        return batches.prepare_publish(get_services(), publish_id, partner_batches, output_ids, policy)


def prepare_publish_failed(job_args: tuple[Any, ...], error: BaseException | str) -> None:
    """Called once after prepare_publish's last try failed: mark the publish's assets failed."""
    publish_id, partner_batches, output_ids = job_args[:3]
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    with job_logged("prepare_publish_failed", publish_id=publish_id, batches=len(partner_batches)):
        batches.prepare_publish_failed(get_services(), publish_id, partner_batches, output_ids, message)


def render_batch(
    publish_id: int, partner_ids: list[int], output_ids: list[str] | None = None
) -> dict[str, int]:
    """Render one batch of partners' assets for a publish; returns the renderer's counters for it."""
    with job_logged("render_batch", publish_id=publish_id, partners=len(partner_ids)):
        return batches.render_batch(get_services(), publish_id, partner_ids, output_ids)


def render_batch_failed(job_args: tuple[Any, ...], error: BaseException | str) -> None:
    """Called once after a batch's last try failed: mark its unfinished assets failed."""
    publish_id, partner_ids, output_ids = job_args
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    with job_logged("render_batch_failed", publish_id=publish_id, partners=len(partner_ids)):
        publish_progress.mark_batch_failed(get_services(), publish_id, partner_ids, output_ids, message)


def render_partner(partner_id: int, work: list[tuple[int, list[int], list[str] | None]]) -> dict[str, int]:
    """Render one partner's batches of several publishes in turn (app.partner_publish); summed counters."""
    with job_logged("render_partner", partner_id=partner_id, publishes=len(work)):
        return partner_publish.render_partner_work(get_services(), work)


def render_partner_failed(job_args: tuple[Any, ...], error: BaseException | str) -> None:
    """Called once after render_partner's last try failed: mark each publish's unfinished assets failed."""
    partner_id, work = job_args
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    with job_logged("render_partner_failed", partner_id=partner_id, publishes=len(work)):
        for publish_id, partner_ids, output_ids in work:
            publish_progress.mark_batch_failed(get_services(), publish_id, partner_ids, output_ids, message)


def batches_of(func_name: str, args: tuple[Any, ...]) -> list[tuple[int, list[int]]]:
    """The (publish id, partner ids) a queued job of this module renders; [] for any other job."""
    if func_name == f"{__name__}.render_batch":
        return [(args[0], args[1])]
    if func_name == f"{__name__}.render_partner":
        return [(publish_id, partner_ids) for publish_id, partner_ids, _ in args[1]]
    return []
