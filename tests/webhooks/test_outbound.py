"""Outbound webhooks to real HTTP receivers on 127.0.0.1: signed as documented, retried, logged."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask import Flask

from app.campaigns import save_campaign
from app.config import PROJECT_ROOT
from app.partner_import import import_partners_file
from app.publishing import start_publish
from app.services import Services
from tests.api_support import bearer, http_receiver, make_token
from tests.fixtures_app import SAMPLE_CSV


def documented_verifier() -> Callable[..., Any]:
    """The receiver's verify_signature() exactly as docs/api.md shows it."""
    text = (PROJECT_ROOT / "docs" / "api.md").read_text()
    match = re.search(r"<!-- receiver-snippet -->\s*```python\n(.*?)```", text, re.S)
    assert match, "docs/api.md has no receiver snippet"
    namespace: dict[str, Any] = {}
    exec(match.group(1), namespace)  # noqa: S102 - the documented code is what is under test
    return namespace["verify_signature"]  # type: ignore[no-any-return]


def setup(
    make_app: Callable[..., Flask], url: str, events: list[str]
) -> tuple[Flask, Services, dict[str, Any]]:
    # The receivers are on 127.0.0.1: private targets must be allowed (tests/webhooks/test_ssrf.py).
    app = make_app(WEBHOOK_RETRY_BASE_SECONDS=0, WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
    services: Services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    save_campaign(services, {"slug": "spring", "template": "spring-flyer", "brand_kit": "northwind"})
    headers = bearer(make_token(services))
    created = app.test_client().post(
        "/api/v1/subscriptions", json={"url": url, "events": events}, headers=headers
    )
    assert created.status_code == 201, created.get_json()
    subscription = created.get_json()
    assert subscription["secret"].startswith("whsec_")
    shown_again = app.test_client().get(f"/api/v1/subscriptions/{subscription['id']}", headers=headers)
    assert "secret" not in shown_again.get_json()  # shown once only
    return app, services, {**subscription, "headers": headers}


def test_deliveries_verify_with_the_documented_scheme(make_app: Callable[..., Flask]) -> None:
    verify_signature = documented_verifier()
    with http_receiver(lambda n, headers, body: 204) as receiver:
        app, services, sub = setup(make_app, receiver.url, ["asset.ready", "publish.completed"])
        start_publish(services, "spring")
        assert services.queue.wait_idle(timeout=180)
    assert len(receiver.requests) == 13  # 12 assets + the publish
    types = []
    for headers, body, _ in receiver.requests:
        assert verify_signature(sub["secret"], headers["Cobrand-Signature"], body)
        assert not verify_signature("whsec_wrong", headers["Cobrand-Signature"], body)
        assert not verify_signature(sub["secret"], headers["Cobrand-Signature"], body + b" ")
        event = json.loads(body)
        assert headers["Cobrand-Event"] == event["type"]
        types.append(event["type"])
    assert sorted(types) == ["asset.ready"] * 12 + ["publish.completed"]
    partners = {
        json.loads(body)["data"]["partner"] for _, body, _ in receiver.requests if b"asset.ready" in body
    }
    assert len(partners) == 12


def test_a_failing_receiver_gets_the_event_once_after_three_failures(make_app: Callable[..., Flask]) -> None:
    with http_receiver(lambda n, headers, body: 500 if n <= 3 else 200) as receiver:
        app, services, sub = setup(make_app, receiver.url, ["publish.completed"])
        start_publish(services, "spring")
        assert services.queue.wait_idle(timeout=180)
    assert [status for _, _, status in receiver.requests] == [500, 500, 500, 200]
    bodies = [body for _, body, status in receiver.requests if status == 200]
    assert len(bodies) == 1 and json.loads(bodies[0])["type"] == "publish.completed"
    # Every try carried the same event (the same id), each freshly signed.
    assert len({json.loads(body)["id"] for _, body, _ in receiver.requests}) == 1

    log = app.test_client().get(sub["deliveries_url"], headers=sub["headers"]).get_json()
    assert log["total"] == 1
    delivery = log["items"][0]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 4
    assert [a["status_code"] for a in delivery["log"]] == [500, 500, 500, 200]
    assert [a["error"] for a in delivery["log"]] == ["HTTP 500"] * 3 + [None]


def test_a_receiver_that_never_answers_is_given_up_after_the_retry_window(
    make_app: Callable[..., Flask],
) -> None:
    with http_receiver(lambda n, headers, body: 503) as receiver:
        app = make_app(
            WEBHOOK_RETRY_BASE_SECONDS=0, WEBHOOK_RETRY_WINDOW_SECONDS=0, WEBHOOK_ALLOW_PRIVATE_TARGETS=True
        )
        services: Services = app.extensions["cobrand"]
        headers = bearer(make_token(services))
        sub = (
            app.test_client()
            .post("/api/v1/subscriptions", json={"url": receiver.url}, headers=headers)
            .get_json()
        )
        from app import events

        events.emit(services, "publish.completed", {"publish_id": 1})
        assert services.queue.wait_idle(timeout=30)
    assert len(receiver.requests) == 1
    delivery = app.test_client().get(sub["deliveries_url"], headers=headers).get_json()["items"][0]
    assert delivery["status"] == "failed" and delivery["next_attempt_at"] is None


def test_subscriptions_accept_only_http_urls(client: Any, services: Services) -> None:
    headers = bearer(make_token(services))
    for url in ("ftp://127.0.0.1/x", "file:///etc/passwd", "http://", "javascript:alert(1)"):
        answer = client.post("/api/v1/subscriptions", json={"url": url}, headers=headers)
        assert answer.status_code == 422, url
        assert set(answer.get_json()) == {"error", "message"}
