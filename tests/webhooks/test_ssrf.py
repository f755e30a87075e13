"""SSRF guard of outbound webhooks: with WEBHOOK_ALLOW_PRIVATE_TARGETS off, loopback, private,
link-local … destinations are refused when subscribing (422) and at every delivery attempt
(logged, no connection made). No test here sends a packet off this machine: the 10.x address is
a literal IP (resolving it is local), and an audit hook proves no socket ever connects to it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

from app import events
from app.models import Subscription
from app.services import Services
from tests.api_support import bearer, http_receiver, make_token

_connects: list[Any] = []
_recording = threading.Event()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _recording.is_set():
        _connects.append(args[1])


sys.addaudithook(_audit)  # audit hooks cannot be removed: this one only records while a test asks


@contextmanager
def socket_connects() -> Iterator[list[Any]]:
    """Every address any socket of this process connects to while the block runs (any thread)."""
    _connects.clear()
    _recording.set()
    try:
        yield _connects
    finally:
        _recording.clear()


REFUSED_URLS = [
    "http://127.0.0.1:9/hook",
    "http://localhost:9/hook",
    "http://10.20.30.40/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:9/hook",
    "http://[::ffff:10.0.0.1]/hook",
    "http://0.0.0.0:9/hook",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://100.64.0.1/hook",
]


def test_subscribing_a_private_or_loopback_url_is_refused(client: Any, services: Services) -> None:
    headers = bearer(make_token(services))
    with socket_connects() as connects:
        for url in REFUSED_URLS:
            answer = client.post("/api/v1/subscriptions", json={"url": url}, headers=headers)
            assert answer.status_code == 422, (url, answer.get_json())
            body = answer.get_json()
            assert set(body) == {"error", "message"} and body["error"] == "invalid"
            assert body["message"].startswith("url: ") and "WEBHOOK_ALLOW_PRIVATE_TARGETS" in body["message"]
    assert connects == []
    message = client.post("/api/v1/subscriptions", json={"url": REFUSED_URLS[2]}, headers=headers).get_json()
    assert "10.20.30.40 is a private address" in message["message"]
    with services.db.session() as session:
        assert session.query(Subscription).count() == 0


def test_the_flag_allows_private_targets(make_app: Callable[..., Flask]) -> None:
    app = make_app(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
    services: Services = app.extensions["cobrand"]
    headers = bearer(make_token(services))
    answer = app.test_client().post(
        "/api/v1/subscriptions", json={"url": "http://10.0.0.1/x"}, headers=headers
    )
    assert answer.status_code == 201
    app.test_client().delete(f"/api/v1/subscriptions/{answer.get_json()['id']}", headers=headers)
    # And the control for the tests below: a delivery that is made shows up in socket_connects().
    with http_receiver(lambda n, headers, body: 204) as receiver:
        _subscribe_directly(services, receiver.url)
        with socket_connects() as connects:
            events.emit(services, "publish.completed", {"publish_id": 1})
            assert services.queue.wait_idle(timeout=30)  # type: ignore[attr-defined]
    assert len(receiver.requests) == 1
    port = int(receiver.url.split(":")[2].split("/")[0])
    assert ("127.0.0.1", port) in connects


def _subscribe_directly(services: Services, url: str) -> int:
    """A subscription stored as if made while the flag was on (or before the host's DNS changed)."""
    with services.db.session() as session:
        row = Subscription(url=url, secret="whsec_test", events={"types": ["publish.completed"]}, active=True)
        session.add(row)
        session.flush()
        return row.id


@pytest.mark.parametrize("target", ["loopback", "private"])
def test_a_delivery_to_a_refused_address_is_logged_and_never_connects(
    make_app: Callable[..., Flask], target: str
) -> None:
    app = make_app(WEBHOOK_RETRY_BASE_SECONDS=0)  # flag off (the default)
    services: Services = app.extensions["cobrand"]
    headers = bearer(make_token(services))
    with http_receiver(lambda n, headers, body: 204) as receiver:
        url = receiver.url if target == "loopback" else "http://10.20.30.40:8080/hook"
        subscription_id = _subscribe_directly(services, url)
        with socket_connects() as connects:
            events.emit(services, "publish.completed", {"publish_id": 1})
            assert services.queue.wait_idle(timeout=30)  # type: ignore[attr-defined]
    assert receiver.requests == []
    assert connects == [], connects  # not to the target, not anywhere
    log = app.test_client().get(f"/api/v1/subscriptions/{subscription_id}/deliveries", headers=headers)
    delivery = log.get_json()["items"][0]
    # Refused once, not retried: the address would be refused again.
    assert (
        delivery["status"] == "failed" and delivery["attempts"] == 1 and delivery["next_attempt_at"] is None
    )
    [attempt] = delivery["log"]
    assert attempt["status_code"] is None
    kind = "loopback" if target == "loopback" else "private"
    assert attempt["error"].startswith("refused: ") and f"is a {kind} address" in attempt["error"]
