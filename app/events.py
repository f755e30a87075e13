"""Outbound events (asset.ready, asset.failed, publish.completed) for webhook subscribers.

Publishing calls emit(); delivery to subscribers lives in app/webhooks (outbound).
"""

from __future__ import annotations

from typing import Any

from app.services import Services

EVENT_TYPES = ("asset.ready", "asset.failed", "publish.completed")


def emit(services: Services, event_type: str, payload: dict[str, Any]) -> None:
    """Record an event for every subscription that wants it and queue its delivery."""
    assert event_type in EVENT_TYPES, event_type
    # Delivery is added with the outbound webhooks; until then events go nowhere.
