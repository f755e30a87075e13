"""Webhook subscriptions: who receives which events, at which checked URL."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.config import Settings
from app.errors import InvalidInput
from app.events import EVENT_TYPES
from app.models import Subscription
from app.safe_http import DestinationRefused, resolve_public


def allow_private_targets(config: Settings) -> bool:
    """WEBHOOK_ALLOW_PRIVATE_TARGETS: true lets webhooks go to loopback and private addresses."""
    return config.WEBHOOK_ALLOW_PRIVATE_TARGETS


def check_url(url: str, *, allow_private: bool = False) -> str:
    """Accept only absolute http(s) URLs with a host that (unless allow_private) resolves to public addresses."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidInput(f"url: {url!r} has an invalid port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"url: {url!r} must be an absolute http:// or https:// URL")
    if not allow_private:
        try:
            resolve_public(parts.hostname, port)
        except DestinationRefused as exc:
            raise InvalidInput(f"url: {exc}") from None
        except (OSError, UnicodeError):
            raise InvalidInput(f"url: host {parts.hostname!r} does not resolve") from None
    return url.strip()


def create_subscription(
    session: Session, url: str, events: list[str] | None, *, allow_private: bool = False
) -> tuple[Subscription, str]:
    """Register a subscriber; returns it with its signing secret (shown to the caller once)."""
    types = list(dict.fromkeys(events or EVENT_TYPES))
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(f"events: {', '.join(unknown)} not one of {', '.join(EVENT_TYPES)}")
    url = check_url(url, allow_private=allow_private)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = Subscription(url=url, secret=secret, events={"types": types}, active=True)
    session.add(subscription)
    session.flush()
    return subscription, secret


def wants(subscription: Subscription, event_type: str) -> bool:
    """Whether an active subscription asked for this event type."""
    return subscription.active and event_type in (subscription.events or {}).get("types", [])
