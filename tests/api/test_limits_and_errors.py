"""The Redis-backed rate limit shared by two app instances, and JSON 404/405 for unknown API URLs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.api_support import bearer, make_token


def test_the_rate_limit_is_shared_through_redis_by_two_apps(
    make_app: Callable[..., Flask], redis_url: str, redis_conn: Any, tmp_path: Any
) -> None:
    # Two web processes: the same database (same token) and the same Redis.
    config = {"DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}", "REDIS_URL": redis_url,
              "API_RATE_LIMIT": 3, "API_RATE_WINDOW": 3600}  # fmt: skip
    for _ in range(2):  # a fixed window could end mid-test (once an hour): then try once more
        redis_conn.flushdb()
        first, second = make_app(**config).test_client(), make_app(**config).test_client()
        headers = bearer(make_token(first.application.extensions["cobrand"]))
        answers = [
            first.get("/api/v1/partners", headers=headers),
            second.get("/api/v1/partners", headers=headers),
            first.get("/api/v1/brand-kits", headers=headers),
            second.get("/api/v1/partners", headers=headers),
            first.get("/api/v1/partners", headers=headers),
        ]
        if len({a.headers["X-RateLimit-Reset"] for a in answers}) == 1:
            break
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0", "0"]
    assert all(a.headers["X-RateLimit-Limit"] == "3" for a in answers)
    limited = answers[3]
    assert limited.get_json()["error"] == "rate_limited" and set(limited.get_json()) == {"error", "message"}
    assert 1 <= int(limited.headers["Retry-After"]) <= 3600
    assert any(key.startswith(b"cobrand:ratelimit:") for key in redis_conn.keys())
    # Another token has its own count.
    other = bearer(make_token(first.application.extensions["cobrand"]))
    assert second.get("/api/v1/partners", headers=other).status_code == 200


def test_unknown_api_urls_and_methods_answer_json(client: Any, services: Any) -> None:
    headers = bearer(make_token(services))
    for method, url, status in [
        ("get", "/api/v1/no-such-thing", 404),
        ("get", "/api/v1/partners/acme/nothing/here", 404),
        ("post", "/api/v1/nope", 404),
        ("delete", "/api/v1/openapi.json", 405),
        ("put", "/api/v1/partners", 405),
        ("get", "/api/v1/webhooks/prm", 405),
        ("post", "/api/v1/subscriptions/1/deliveries", 405),
    ]:
        answer = getattr(client, method)(url, headers=headers)
        assert answer.status_code == status, (method, url)
        assert answer.mimetype == "application/json", (method, url, answer.data[:80])
        body = answer.get_json()
        assert set(body) == {"error", "message"}, body
        assert body["error"] == ("not_found" if status == 404 else "method_not_allowed")
        if status == 405:
            assert method.upper() in body["message"] and answer.headers["Allow"]
    # Outside the API the site keeps its HTML pages.
    assert client.get("/no-such-page").mimetype == "text/html"
    assert client.delete("/login").mimetype == "text/html"
