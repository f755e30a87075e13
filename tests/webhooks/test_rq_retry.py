"""On RQ, a failed delivery's next attempt is scheduled with enqueue_in and run by a worker whose
scheduler moves it to the queue when it is due (real Redis, real RQ worker, loopback receiver)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask

from app import events
from app.models import Delivery
from app.services import Services, using_services
from tests.api_support import bearer, http_receiver, make_token
from workers.worker import build_worker


def test_a_failed_delivery_is_retried_through_rqs_scheduler(
    make_app: Callable[..., Flask], redis_url: str, redis_conn: Any
) -> None:
    with http_receiver(lambda n, headers, body: 503 if n == 1 else 200) as receiver:
        app = make_app(REDIS_URL=redis_url, RQ_QUEUE=f"q-{uuid.uuid4().hex[:8]}",
                       WEBHOOK_RETRY_BASE_SECONDS=1, WEBHOOK_ALLOW_PRIVATE_TARGETS=True)  # fmt: skip
        services: Services = app.extensions["cobrand"]
        headers = bearer(make_token(services))
        client = app.test_client()
        sub = client.post("/api/v1/subscriptions", json={"url": receiver.url}, headers=headers).get_json()
        events.emit(services, "publish.completed", {"publish_id": 1})
        rq_queue = services.queue.queue  # type: ignore[attr-defined]

        def work() -> None:
            with using_services(services):
                build_worker(services, simple=True, name=f"w-{uuid.uuid4().hex[:8]}").work(
                    burst=True, with_scheduler=True
                )

        work()  # the fan-out and the first attempt, which fails
        assert [status for _, _, status in receiver.requests] == [503]
        with services.db.session() as session:
            delivery_id = session.query(Delivery.id).scalar()
        retry_job = f"webhook-delivery-{delivery_id}-2"
        assert rq_queue.scheduled_job_registry.get_job_ids() == [retry_job]  # enqueue_in, not yet due
        # A burst worker exits before a scheduled job is due (INFRA.md): start one every 0.2 s
        # until the scheduler has moved the retry onto the queue and it ran.
        deadline = time.monotonic() + 15
        while len(receiver.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            work()
    assert [status for _, _, status in receiver.requests] == [503, 200]
    assert rq_queue.scheduled_job_registry.get_job_ids() == []
    log = client.get(sub["deliveries_url"], headers=headers).get_json()["items"][0]
    assert log["status"] == "delivered" and log["attempts"] == 2
    assert [a["status_code"] for a in log["log"]] == [503, 200]
