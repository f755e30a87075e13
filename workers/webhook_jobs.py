"""Webhook jobs: process an inbound event, fan an outbound event out, make one delivery attempt."""

from __future__ import annotations

from typing import Any

from app.services import get_services
from app.webhooks import delivery, processing


def process_webhook_event(event_row_id: int) -> None:
    """Apply one stored inbound event and publish again what it affects."""
    processing.process_event(get_services(), event_row_id)


def fan_out_events(batch: list[list[Any]]) -> None:
    """Create the deliveries of a batch of outbound events ([event_id, type, data, occurred_at]
    each) and queue their first attempts."""
    delivery.fan_out_events(get_services(), batch)


def fan_out_event(event_id: str, event_type: str, data: dict[str, Any], occurred_at: str) -> None:
    """One event's fan-out (jobs queued before fan-outs were batched)."""
    delivery.fan_out_event(get_services(), event_id, event_type, data, occurred_at)


def requeue_pending(include_future: bool = False) -> None:
    """Queue the next attempt of every pending delivery that is due (after a restart lost its job)."""
    delivery.requeue_pending(get_services(), include_future=include_future)


def deliver(delivery_id: int, attempt: int) -> None:
    """POST one delivery (attempt number `attempt`); a failure schedules the next attempt."""
    delivery.deliver(get_services(), delivery_id, attempt)
