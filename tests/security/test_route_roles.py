"""Every console, portal and API route declares its roles, and refuses each role it does not allow.

Walks the app's url_map (and so every route anyone adds): a route without a declaration fails the
first test by name. Refusals are told from ordinary 404s by g.refused_role, set where a role is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, g
from werkzeug.routing import Rule

from app.auth.roles import ALL_ROLES
from app.auth.security import declared_roles
from app.auth.users import create_user
from app.models import UserRole
from app.partner_import import import_partners_file
from tests.api_support import bearer, make_token
from tests.fixtures_app import SAMPLE_CSV
from tests.web.conftest import login

UNDECLARED_OK = {"static"}
"""Flask's own static files: public by nature."""

PASSWORD = "role-walk-password"


def _rules(app: Flask) -> Iterator[tuple[Rule, str]]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNDECLARED_OK:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule: Rule) -> str:
    values = {
        name: 1 if type(conv).__name__ in ("IntegerConverter",) else "x"
        for name, conv in rule._converters.items()
    }
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


@pytest.fixture
def walk_app(make_app: Any) -> Flask:
    return make_app(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT=1000, LOGIN_RATE_LIMIT_PER_ADDRESS=1000)  # type: ignore[no-any-return]


def test_every_route_declares_its_roles(walk_app: Flask) -> None:
    missing = sorted(
        f"{rule.rule} ({rule.endpoint})"
        for rule, _ in _rules(walk_app)
        if declared_roles(walk_app.view_functions[rule.endpoint]) is None
    )
    assert not missing, (
        "these routes declare no roles; decorate the view with @allow(<roles>) from app.auth.security "
        f"(sets in app/auth/roles.py), or declare access= in the API registry: {', '.join(missing)}"
    )


def _clients(app: Flask) -> dict[UserRole, Any]:
    services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    clients = {}
    for role in ALL_ROLES:
        email = f"{role.value.replace('_', '-')}@example.com"
        with services.db.session() as session:
            create_user(session, email, role, password=PASSWORD,
                        partner_slug=None if role.is_console else "summit-it")  # fmt: skip
        clients[role] = login(app.test_client(), email, PASSWORD)
    return clients


def _call(client: Any, method: str, url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    with client:
        response = client.open(url, method=method, headers=headers or {})
        return response.status_code, g.get("refused_role")


def test_every_page_refuses_each_role_it_does_not_allow(walk_app: Flask) -> None:
    clients = _clients(walk_app)
    refusals = 0
    for rule, method in _rules(walk_app):
        allowed = declared_roles(walk_app.view_functions[rule.endpoint]) or frozenset()
        if rule.rule.startswith(("/api/", "/webhooks/")) or not allowed:
            continue
        url = _url(rule)
        for role in ALL_ROLES:
            if role in allowed and method != "GET":
                continue  # an allowed POST would act (sign out, publish…): only refusals are walked
            status, refused = _call(clients[role], method, url)
            if role in allowed:
                assert refused is None, f"{method} {url} refused {role.value}, which it allows"
            else:
                assert refused == role and status in (403, 404), (
                    f"{method} {url} ({rule.endpoint}) let {role.value} through: {status}"
                )
                refusals += 1
    assert refusals > 100  # console, portal and role-specific pages were all walked


def test_every_api_route_refuses_each_token_role_it_does_not_allow(walk_app: Flask) -> None:
    services = walk_app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    tokens = {
        UserRole.ADMIN: bearer(make_token(services)),
        UserRole.PARTNER: bearer(make_token(services, "summit-it")),
    }
    client = walk_app.test_client()
    refused_routes = 0
    for rule, method in _rules(walk_app):
        allowed = declared_roles(walk_app.view_functions[rule.endpoint])
        if not rule.rule.startswith("/api/") or not allowed:
            continue
        url = _url(rule)
        status, _ = _call(client, method, url)
        assert status == 401, f"{method} {url} answered {status} without a token"
        for role, token in tokens.items():
            if role in allowed and method != "GET":
                continue
            status, refused = _call(client, method, url, token)
            if role in allowed:
                assert refused is None, f"{method} {url} refused {role.value}, which it allows"
            else:
                assert refused == role and status == 403, f"{method} {url} let {role.value} through: {status}"
                refused_routes += 1
    assert refused_routes > 10


def test_a_partner_admin_invites_and_removes_its_users_and_a_partner_user_only_downloads(
    walk_app: Flask,
) -> None:
    clients = _clients(walk_app)
    admin, user = clients[UserRole.PARTNER_ADMIN], clients[UserRole.PARTNER]
    from tests.web.conftest import csrf_from

    token = csrf_from(admin.get("/portal/users").get_data(as_text=True))
    assert (
        admin.post(
            "/portal/users/invite", data={"email": "new@summit-it.example", "csrf_token": token}
        ).status_code
        == 302
    )
    services = walk_app.extensions["cobrand"]
    from app.auth.users import find_user

    with services.db.session() as session:
        invited = find_user(session, "new@summit-it.example")
        assert (
            invited is not None and invited.role == UserRole.PARTNER and invited.partner.slug == "summit-it"
        )
        victim = find_user(session, "partner@example.com")
        assert victim is not None
        victim_id = victim.id
    assert user.get("/portal/").status_code == 200
    assert user.get("/portal/profile").status_code == 403  # downloads only
    assert admin.post(f"/portal/users/{victim_id}/remove", data={"csrf_token": token}).status_code == 302
    assert user.get("/portal/").status_code == 302  # removed: signed out at once
