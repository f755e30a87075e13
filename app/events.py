"""Events (asset.ready, asset.failed, publish.completed, link.clicked), emitted in batches to subscribers.

Publishing emits the events of a whole batch at once, after its work is committed; whoever wants
them (outbound webhooks) subscribes at start-up (app.services.build_services). This module
imports nothing of the app, so publishing does not depend on any subscriber.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

EVENT_TYPES = ("asset.ready", "asset.failed", "publish.completed", "link.clicked")


@dataclass(frozen=True)
class Event:
    type: str
    payload: dict[str, Any]

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"event type {self.type!r} is not one of {', '.join(EVENT_TYPES)}")


Subscriber = Callable[[Sequence[Event]], None]
"""Told about each batch of events once; it must be quick (queue a job, don't deliver)."""


class Events:
    """The subscribers of one app or worker process."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def emit(self, events: Iterable[Event]) -> None:
        """Tell every subscriber about these events, in one call each (nothing when there are none)."""
        batch = list(events)
        if not batch:
            return
        for subscriber in self._subscribers:
            subscriber(batch)


def emit(services: Any, event_type: str, payload: dict[str, Any]) -> None:
    """One event to services' subscribers (the old call form; new code calls services.events.emit)."""
    services.events.emit([Event(event_type, payload)])
