"""Attacks on sign-in, sign-out and password reset, each performed against the real app."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from werkzeug import security as werkzeug_security

from app.auth import users as users_module
from app.auth.users import create_user, deactivate_user, find_user
from app.config import PROJECT_ROOT
from app.models import PasswordReset, UserRole
from tests.web.conftest import ADMIN, csrf_from, login, post

FOUR_MB = 4 * 1024 * 1024


def _rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


@pytest.fixture
def web_process(tmp_path: Path, request: Any) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """The app served by werkzeug in a child process (so its RSS is the web process's own)."""
    overrides = getattr(request, "param", [])
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.security.serve", str(tmp_path), *overrides],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    try:
        yield proc, port
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def _sign_in_with_huge_email(port: int) -> int | None:
    """POST one 4 MB email with a valid CSRF token; the status, or None if the server cut us off."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/login")
    page = conn.getresponse()
    cookie = page.getheader("Set-Cookie", "").split(";", 1)[0]
    token = csrf_from(page.read().decode())
    body = urlencode({"csrf_token": token, "email": "a" * FOUR_MB + "@x.example", "password": "p"})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    try:
        conn.request("POST", "/login", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except (ConnectionError, http.client.HTTPException):
        return None  # refused before the body was read: what we want
    finally:
        conn.close()


@pytest.mark.parametrize(
    "web_process",
    [[], ["AUTH_MAX_BODY_BYTES=33554432", "MAX_CONTENT_LENGTH=33554432"]],
    ids=["capped-body", "body-cap-lifted"],
    indirect=True,
)
def test_twenty_sign_ins_with_4mb_emails_leave_rss_within_50mb(web_process: Any) -> None:
    """The finding: the limiter stored each raw email as a key (297 -> 830 MB). Validated, hashed, capped now.

    With the body cap lifted the forms are parsed, so this also shows the limiter keeps nothing of them.
    """
    proc, port = web_process
    _sign_in_with_huge_email(port)  # warm-up: imports, first template render, the database
    before = _rss_kib(proc.pid)
    statuses = [_sign_in_with_huge_email(port) for _ in range(20)]
    after = _rss_kib(proc.pid)
    assert proc.poll() is None
    assert all(s in (None, 400, 413) for s in statuses), statuses
    assert after - before < 50 * 1024, f"RSS grew {(after - before) / 1024:.1f} MB"


def test_oversized_sign_in_body_is_refused_before_parsing(client: Any, users: Any) -> None:
    response = client.post("/login", data={"email": "a" * 100_000, "password": "x"})
    assert response.status_code == 413


def test_invalid_emails_are_not_counted_by_the_limiter(make_app: Any) -> None:
    app = make_app(LOGIN_RATE_LIMIT=2)
    client = app.test_client()
    for n in range(5):
        assert (
            post(client, "/login", {"email": f"{'x' * 300}{n}@a.example", "password": "p"}).status_code == 400
        )
    limiters = app.extensions.get("cobrand_auth_limiters", {})
    counted = sum(len(limiter._counts) for pair in limiters.values() for limiter in pair)
    assert counted == 0


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(make_app: Any) -> None:
    """The finding: ten wrong passwords locked out a chosen account. Failures count per email and client."""
    app = make_app(LOGIN_RATE_LIMIT=3)
    with app.extensions["cobrand"].db.session() as session:
        create_user(session, ADMIN[0], UserRole.ADMIN, password=ADMIN[1])
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "127.0.0.9"
    for _ in range(3):
        assert post(attacker, "/login", {"email": ADMIN[0], "password": "guess"}).status_code == 401
    assert post(attacker, "/login", {"email": ADMIN[0], "password": ADMIN[1]}).status_code == 429
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    login(owner, *ADMIN)


def test_successful_sign_ins_are_not_counted(make_app: Any) -> None:
    app = make_app(LOGIN_RATE_LIMIT=2)
    with app.extensions["cobrand"].db.session() as session:
        create_user(session, ADMIN[0], UserRole.ADMIN, password=ADMIN[1])
    for _ in range(4):
        client = app.test_client()
        login(client, *ADMIN)


def test_unknown_emails_cost_one_password_check_like_known_ones(
    client: Any, users: Any, monkeypatch: Any
) -> None:
    """The finding: unknown emails ran two scrypt hashes against one. Counted, not timed."""
    calls: list[str] = []
    check = werkzeug_security.check_password_hash
    generate = werkzeug_security.generate_password_hash
    users_module._dummy_hash()  # made once per process, ahead of any attempt
    monkeypatch.setattr(users_module, "check_password_hash", lambda *a: calls.append("check") or check(*a))
    monkeypatch.setattr(
        users_module, "generate_password_hash", lambda *a, **k: calls.append("hash") or generate(*a, **k)
    )
    post(client, "/login", {"email": "nobody@example.com", "password": "wrong-password"})
    unknown, calls[:] = list(calls), []
    post(client, "/login", {"email": ADMIN[0], "password": "wrong-password"})
    assert unknown == calls == ["check"]


def _signed_in_cookie(client: Any) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value  # type: ignore[no-any-return]


def test_cookie_replayed_after_logout_is_sent_to_sign_in(client: Any, users: Any) -> None:
    login(client, *ADMIN)
    stolen = _signed_in_cookie(client)
    assert client.get("/campaigns").status_code == 200
    post(client, "/logout", page="/campaigns")
    client.set_cookie("session", stolen)
    response = client.get("/campaigns")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_password_reset_and_deactivation_end_other_sessions(
    client: Any, users: Any, app: Any, caplog: Any
) -> None:
    other = app.test_client()
    login(other, *ADMIN)
    post(client, "/password/forgot", {"email": ADMIN[0]})
    link = next(r.getMessage() for r in caplog.records if "password reset link" in r.getMessage())
    path = link.split(": ", 1)[1].replace("http://localhost", "")
    assert (
        post(client, path, {"password": "brand-new-password", "confirm": "brand-new-password"}).status_code
        == 302
    )
    assert other.get("/campaigns").status_code == 302  # signed out by the reset
    login(other, ADMIN[0], "brand-new-password")
    with users.db.session() as session:
        deactivate_user(find_user(session, ADMIN[0]))  # type: ignore[arg-type]
    assert other.get("/campaigns").status_code == 302


@pytest.mark.parametrize("clock", ["_seen", "_at"])
def test_idle_and_old_sessions_end(client: Any, users: Any, clock: str) -> None:
    login(client, *ADMIN)
    assert client.get("/campaigns").status_code == 200
    with client.session_transaction() as session:
        session[clock] -= 13 * 3600  # past both the idle time-out (60 min) and the lifetime (12 h)
    assert client.get("/campaigns").status_code == 302


def test_csrf_token_rotates_at_sign_in(client: Any, users: Any) -> None:
    before = csrf_from(client.get("/login").get_data(as_text=True))
    login(client, *ADMIN)
    after = csrf_from(client.get("/campaigns/new").get_data(as_text=True))
    assert before != after
    refused = client.post("/campaigns/new", data={"csrf_token": before, "slug": "x"})
    assert refused.status_code == 400


def test_a_new_reset_link_does_not_cancel_the_old_one_and_requests_are_limited(
    make_app: Any, caplog: Any
) -> None:
    app = make_app(RESET_RATE_LIMIT=2)
    with app.extensions["cobrand"].db.session() as session:
        create_user(session, ADMIN[0], UserRole.ADMIN, password=ADMIN[1])
    client = app.test_client()
    for _ in range(2):
        assert post(client, "/password/forgot", {"email": ADMIN[0]}).status_code == 302
    links = [
        r.getMessage().split(": ", 1)[1] for r in caplog.records if "password reset link" in r.getMessage()
    ]
    assert len(links) == 2
    for link in links:
        assert client.get(link.replace("http://localhost", "")).status_code == 200  # both still valid
    assert post(client, "/password/forgot", {"email": ADMIN[0]}).status_code == 429
    with app.extensions["cobrand"].db.session() as session:
        assert session.query(PasswordReset).count() == 2


@pytest.mark.parametrize(
    "target", ["/dashboard\r\nSet-Cookie: x=1", "https://evil.example/", "//evil.example", "/\\evil.example"]
)
def test_next_with_crlf_or_another_site_goes_home(client: Any, users: Any, target: str) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", query_string={"next": target},
                           data={"email": ADMIN[0], "password": ADMIN[1], "csrf_token": token})  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"


def test_retry_form_does_not_redirect_off_site(admin: Any) -> None:
    response = post(admin, "/publishes/999/retry", {"next": "https://evil.example/"}, page="/dashboard")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
