"""Outbound events (asset.ready, asset.failed, publish.completed) for webhook subscribers.

Publishing calls emit(); delivery to subscribers lives in app/webhooks (outbound).
"""

from __future__ import annotations

from typing import Any

from app.services import Services

EVENT_TYPES = ("asset.ready", "asset.failed", "publish.completed")


def emit(services: Services, event_type: str, payload: dict[str, Any]) -> None:
    """Record an event for every subscription that wants it and queue its delivery."""
    from app.webhooks.outbound import queue_event  # imported here: outbound imports this module

    assert event_type in EVENT_TYPES, event_type
    queue_event(services, event_type, payload)
