"""One wants_json for the whole app: JSON errors for API, webhook and .json URLs (or a client asking
for JSON), an HTML page otherwise; an unhandled exception is logged and shows no internals."""

from __future__ import annotations

import logging
from typing import Any

import pytest


@pytest.fixture
def failing_app(make_app: Any) -> Any:
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 handler answers

    def explode() -> str:
        raise RuntimeError("database password is hunter2")

    app.add_url_rule("/explode", "explode", explode)
    app.add_url_rule("/api/v1/explode", "api_explode", explode)
    return app


def test_an_unhandled_error_is_logged_and_shows_no_internals(failing_app: Any, caplog: Any) -> None:
    client = failing_app.test_client()
    with caplog.at_level(logging.ERROR):
        page = client.get("/explode")
    assert page.status_code == 500 and page.mimetype == "text/html"
    body = page.get_data(as_text=True)
    assert "Something went wrong" in body and page.headers["X-Request-ID"] in body
    assert "hunter2" not in body and "RuntimeError" not in body and "Traceback" not in body
    logged = [r for r in caplog.records if r.exc_info and "hunter2" in str(r.exc_info[1])]
    assert logged, "the exception and its traceback are logged"

    answer = client.get("/api/v1/explode")
    assert answer.status_code == 500
    data = answer.get_json()
    assert data["error"] == "internal_error" and answer.headers["X-Request-ID"] in data["message"]
    assert "hunter2" not in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "headers", "json_expected"),
    [
        ("/no-such-page", {}, False),
        ("/no-such-page", {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, False),
        ("/no-such-page", {"Accept": "application/json"}, True),
        ("/api/v1/no-such-thing", {}, True),
        ("/api/v1/no/such/thing", {"Accept": "text/html"}, True),
        ("/portal/no-such.json", {}, True),
    ],
)
def test_wants_json_decides_the_404_body(
    client: Any, path: str, headers: dict[str, str], json_expected: bool
) -> None:
    answer = client.get(path, headers=headers)
    assert answer.status_code == 404
    if json_expected:
        assert answer.get_json() == {"error": "not_found", "message": "no such resource"}
    else:
        assert answer.mimetype == "text/html" and "Page not found" in answer.get_data(as_text=True)


def test_a_wrong_method_on_the_api_is_json_with_allow(client: Any) -> None:
    answer = client.delete("/api/v1/openapi.json")
    assert answer.status_code == 405 and answer.get_json()["error"] == "method_not_allowed"
    assert "GET" in answer.headers["Allow"]
