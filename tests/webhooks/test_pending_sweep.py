"""Pending deliveries survive restarts: a delivery left pending and due (its job lost with the
process) is found by the sweep and delivered once, in-process and on RQ, to a loopback receiver."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask

from app.models import Delivery, DeliveryStatus, Subscription, utcnow
from app.services import Services, using_services
from app.webhooks.delivery import requeue_pending
from tests.api_support import bearer, http_receiver, make_token
from workers.worker import build_worker


def leave_pending_delivery(services: Services, url: str) -> tuple[int, int]:
    """A subscription and a due, pending delivery written straight to the database, as a process
    that died after fan-out (or between two attempts) leaves them; returns their ids."""
    with services.db.session() as session:
        subscription = Subscription(
            url=url, secret="whsec_x", events={"types": ["publish.completed"]}, active=True
        )
        session.add(subscription)
        session.flush()
        event_id = f"evt_{uuid.uuid4().hex}"
        delivery = Delivery(subscription_id=subscription.id, event_id=event_id, event_type="publish.completed",
                            payload={"id": event_id, "type": "publish.completed", "data": {"publish_id": 7}},
                            status=DeliveryStatus.PENDING, attempts=1,
                            next_attempt_at=utcnow() - timedelta(seconds=5))  # fmt: skip
        session.add(delivery)
        session.flush()
        return subscription.id, delivery.id


def delivery_state(services: Services, delivery_id: int) -> tuple[str, int]:
    with services.db.session() as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        return delivery.status.value, delivery.attempts


def test_a_restarted_app_delivers_what_the_last_process_left_pending(
    make_app: Callable[..., Flask], tmp_path: Any
) -> None:
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"
    with http_receiver(lambda n, headers, body: 204) as receiver:
        before = make_app(DATABASE_URL=database_url, WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
        _, delivery_id = leave_pending_delivery(before.extensions["cobrand"], receiver.url)
        # The sweep as cron and workers run it (due deliveries only) sends it once.
        assert requeue_pending(before.extensions["cobrand"], include_future=False) == 1
        before.extensions["cobrand"].queue.wait_idle(timeout=30)
        assert len(receiver.requests) == 1
        receiver.requests.clear()
        _, delivery_id = leave_pending_delivery(before.extensions["cobrand"], receiver.url)

        # "Restart": a new app on the same database; its in-process queue sweeps on the first request.
        after = make_app(DATABASE_URL=database_url, WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
        services: Services = after.extensions["cobrand"]
        after.test_client().get("/api/v1/openapi.json")
        assert services.queue.wait_idle(timeout=30)  # type: ignore[attr-defined]
        # A second sweep, and more requests, find nothing left to send.
        after.test_client().get("/api/v1/openapi.json")
        assert requeue_pending(services) == 0
        assert services.queue.wait_idle(timeout=30)  # type: ignore[attr-defined]
    assert len(receiver.requests) == 1
    assert delivery_state(services, delivery_id) == ("delivered", 2)


def test_the_deliver_pending_command_sends_due_deliveries(make_app: Callable[..., Flask]) -> None:
    with http_receiver(lambda n, headers, body: 204) as receiver:
        app = make_app(WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
        _, delivery_id = leave_pending_delivery(app.extensions["cobrand"], receiver.url)
        result = app.test_cli_runner().invoke(args=["deliver-pending"])
        assert result.exit_code == 0 and "queued 1 pending deliveries" in result.output
    assert len(receiver.requests) == 1
    assert delivery_state(app.extensions["cobrand"], delivery_id) == ("delivered", 2)


def test_an_rq_worker_sweeps_pending_deliveries_when_it_starts(
    make_app: Callable[..., Flask], redis_url: str, redis_conn: Any
) -> None:
    with http_receiver(lambda n, headers, body: 204) as receiver:
        app = make_app(
            REDIS_URL=redis_url, RQ_QUEUE=f"q-{uuid.uuid4().hex[:8]}", WEBHOOK_ALLOW_PRIVATE_TARGETS=True
        )
        services: Services = app.extensions["cobrand"]
        subscription_id, delivery_id = leave_pending_delivery(services, receiver.url)
        with using_services(services):
            for _ in range(2):  # a second worker start finds nothing left
                build_worker(services, simple=True, name=f"w-{uuid.uuid4().hex[:8]}").work(burst=True)
    assert len(receiver.requests) == 1
    assert delivery_state(services, delivery_id) == ("delivered", 2)
    headers = bearer(make_token(services))
    log = app.test_client().get(f"/api/v1/subscriptions/{subscription_id}/deliveries", headers=headers)
    assert [a["status_code"] for a in log.get_json()["items"][0]["log"]] == [204]
