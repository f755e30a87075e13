"""Short-link jobs: the per-minute link.clicked event."""

from __future__ import annotations

from app.links.events import send_click_batch as _send
from app.services import get_services


def send_click_batch(minute: str) -> None:
    """Send one minute's clicks to link.clicked subscribers."""
    _send(get_services(), minute)
