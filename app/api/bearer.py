"""Who is calling: the bearer token, its role and partner, and its rate limit."""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Response, current_app, g, request

from app.api.errors import ApiError
from app.api.registry import PUBLIC, SIGNATURE, Route
from app.auth.tokens import authenticate
from app.models import UserRole
from app.ratelimit import RateLimiter, build_rate_limiter
from app.services import Services


@dataclass(frozen=True)
class Caller:
    token_id: int
    is_admin: bool
    partner_id: int | None
    """Set for a partner token: it sees this partner's data only."""


def services() -> Services:
    return current_app.extensions["cobrand"]  # type: ignore[no-any-return]


def rate_limiter() -> RateLimiter:
    limiter = current_app.extensions.get("cobrand_rate_limiter")
    if limiter is None:
        limiter = current_app.extensions["cobrand_rate_limiter"] = build_rate_limiter(services().config)
    return limiter  # type: ignore[no-any-return]


def authorize(route: Route) -> None:
    """Check the token for route (401), its rate limit (429) and its role (403); sets g.caller."""
    if route.access in (PUBLIC, SIGNATURE):
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send an API token: Authorization: Bearer <token>",
                       {"WWW-Authenticate": "Bearer"})  # fmt: skip
    with services().db.session() as session:
        row = authenticate(session, token.strip())
        caller = None if row is None else Caller(row.id, row.role == UserRole.ADMIN, row.partner_id)
    if caller is None:
        raise ApiError(
            401, "unauthorized", "the API token is unknown or revoked", {"WWW-Authenticate": "Bearer"}
        )
    limit = rate_limiter().hit(f"token:{caller.token_id}")
    g.rate_limit_headers = limit.headers()
    if limit.exceeded:
        raise ApiError(429, "rate_limited", f"over {limit.limit} requests in this window; retry after {limit.reset}",
                       {"Retry-After": str(max(1, limit.reset - int(time.time())))})  # fmt: skip
    role = UserRole.ADMIN if caller.is_admin else UserRole.PARTNER
    if role not in route.roles:
        g.refused_role = role  # tests read it to tell a refusal from an ordinary answer
        raise ApiError(403, "forbidden", "this endpoint needs an admin token")
    g.caller = caller


def caller() -> Caller:
    return g.caller  # type: ignore[no-any-return]


def add_rate_limit_headers(response: Response) -> Response:
    """after_request: every answer to an authenticated request carries the rate-limit headers."""
    for key, value in getattr(g, "rate_limit_headers", {}).items():
        response.headers[key] = value
    return response
