"""API tokens: created and revoked from the CLI, stored hashed, rate-limited."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from app.auth.tokens import hash_token
from app.models import ApiToken, UserRole
from app.services import Services
from tests.api_support import bearer, make_token
from tests.factories import PARTNERS


def test_tokens_from_the_cli_work_until_revoked_and_are_stored_hashed(
    app: Flask, runner: Any, client: Any, partners: Services, tmp_path: Path
) -> None:
    created = runner.invoke(args=["tokens", "create", "--name", "ci"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    assert token.startswith("cbt_") and len(token) > 40
    scoped = runner.invoke(args=["tokens", "create", "--partner", "alpine"]).stdout.strip()

    assert client.get("/api/v1/partners", headers=bearer(token)).get_json()["total"] == len(PARTNERS)
    assert [
        p["slug"] for p in client.get("/api/v1/partners", headers=bearer(scoped)).get_json()["items"]
    ] == ["alpine"]

    with partners.db.session() as session:
        rows = session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
        assert [(r.role, r.name) for r in rows] == [(UserRole.ADMIN, "ci"), (UserRole.PARTNER, "")]
        assert rows[0].token_hash == hash_token(token) != token
        assert token.startswith(rows[0].prefix) and len(rows[0].prefix) == 12
        prefix = rows[0].prefix
    # No column of any row, nor any byte of the database file, holds a plaintext token.
    database = Path(partners.db.url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    assert token.encode() not in raw and scoped.encode() not in raw
    assert hash_token(token).encode() in raw

    revoked = runner.invoke(args=["tokens", "revoke", prefix])
    assert revoked.exit_code == 0 and f"revoked token 1 ({prefix}" in revoked.output
    answer = client.get("/api/v1/partners", headers=bearer(token))
    assert answer.status_code == 401 and answer.get_json()["error"] == "unauthorized"
    assert runner.invoke(args=["tokens", "revoke", "2"]).exit_code == 0  # by id
    assert client.get("/api/v1/partners", headers=bearer(scoped)).status_code == 401
    assert runner.invoke(args=["tokens", "revoke", "cbt_nope"]).exit_code == 1
    assert runner.invoke(args=["tokens", "create", "--partner", "no-such-partner"]).exit_code == 1


def test_missing_or_malformed_tokens_are_401(client: Any) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}, bearer("cbt_unknown")):
        answer = client.get("/api/v1/partners", headers=headers)
        assert answer.status_code == 401 and set(answer.get_json()) == {"error", "message"}
        assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_rate_limit_headers_and_429(make_app: Callable[..., Flask]) -> None:
    app = make_app(API_RATE_LIMIT=3, API_RATE_WINDOW=3600)
    headers = bearer(make_token(app.extensions["cobrand"]))
    client = app.test_client()
    remaining = []
    for _ in range(3):
        answer = client.get("/api/v1/templates", headers=headers)
        assert answer.status_code == 200
        assert answer.headers["X-RateLimit-Limit"] == "3" and int(answer.headers["X-RateLimit-Reset"]) > 0
        remaining.append(int(answer.headers["X-RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    over = client.get("/api/v1/templates", headers=headers)
    assert over.status_code == 429 and over.get_json()["error"] == "rate_limited"
    assert over.headers["X-RateLimit-Remaining"] == "0" and int(over.headers["Retry-After"]) >= 1
    # Another token has its own window.
    assert (
        client.get("/api/v1/templates", headers=bearer(make_token(app.extensions["cobrand"]))).status_code
        == 200
    )
