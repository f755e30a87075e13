"""Malformed input answers one clear line, never a 500: deep JSON, huge CSV fields."""

from __future__ import annotations

from typing import Any

from app.services import Services
from tests.api_support import bearer, make_token


def test_deeply_nested_json_is_a_400_not_a_500(client: Any, services: Services) -> None:
    body = "[" * 100_000 + "]" * 100_000
    answer = client.post("/api/v1/campaigns", data=body,
                         headers={**bearer(make_token(services)), "Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code == 400 and answer.get_json()["error"] == "bad_request"


def test_modest_nesting_still_parses(client: Any, services: Services) -> None:
    answer = client.post("/api/v1/campaigns", json={"slug": "x", "overrides": {"copy": {"a": [[["b"]]]}}},
                         headers=bearer(make_token(services)))  # fmt: skip
    assert answer.status_code == 422  # validated (no template given), so it was parsed


def test_a_csv_field_over_128_kib_is_a_one_line_422(client: Any, services: Services) -> None:
    csv = ("slug,name,type,tier,region\nx," + "a" * 200_000 + ",reseller,gold,NA\n").encode()
    answer = client.post("/api/v1/partners/import", data=csv,
                         headers={**bearer(make_token(services)), "Content-Type": "text/csv"})  # fmt: skip
    message = answer.get_json()["message"]
    assert answer.status_code == 422 and "line 2" in message and "\n" not in message
    assert "/" not in message.split("(")[0]  # no server path in the error text
