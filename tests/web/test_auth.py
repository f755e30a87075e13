"""Sign-in, sign-out, password reset, the user commands, CSRF and security headers."""

from __future__ import annotations

from typing import Any

from app.models import PasswordReset
from tests.web.conftest import ADMIN, csrf_from, login, post


def test_login_page_has_security_headers_and_cookie_flags(client: Any, users: Any) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "<script>" not in response.get_data(as_text=True)  # no inline scripts


def test_secure_cookie_flag_is_configurable(make_app: Any) -> None:
    app = make_app(SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in response.headers


def test_pages_need_sign_in(client: Any, users: Any) -> None:
    for url in ("/", "/campaigns", "/partners", "/portal/", "/analytics"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_wrong_password_keeps_email_and_says_why(client: Any, users: Any) -> None:
    response = post(client, "/login", {"email": ADMIN[0], "password": "nope"})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "do not match" in html and f'value="{ADMIN[0]}"' in html


def test_repeated_sign_in_attempts_are_throttled_per_account(make_app: Any) -> None:
    from app.auth.users import create_user
    from app.models import UserRole

    app = make_app(LOGIN_RATE_LIMIT=3)
    with app.extensions["cobrand"].db.session() as session:
        create_user(session, ADMIN[0], UserRole.ADMIN, password=ADMIN[1])
    client = app.test_client()
    for _ in range(3):
        assert post(client, "/login", {"email": ADMIN[0], "password": "guess"}).status_code == 401
    # Over the limit even the right password is not checked: guessing gains nothing.
    blocked = post(client, "/login", {"email": ADMIN[0].upper(), "password": ADMIN[1]})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in blocked.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_empty_login_fields_get_messages_next_to_them(client: Any, users: Any) -> None:
    response = post(client, "/login", {"email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="e-email"' in html and 'id="e-password"' in html


def test_forged_post_without_csrf_token_is_refused(client: Any, users: Any) -> None:
    assert client.post("/login", data={"email": ADMIN[0], "password": ADMIN[1]}).status_code == 400
    login(client, *ADMIN)
    for url in ("/campaigns/new", "/partners/new", "/logout", "/partners/import"):
        assert client.post(url, data={"title": "x"}).status_code == 400, url
    assert client.post("/portal/profile", data={}).status_code in (400, 404)


def test_login_logout(client: Any, users: Any) -> None:
    login(client, *ADMIN)
    assert client.get("/").status_code == 200
    html = client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(html)})
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client: Any, users: Any) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=https://evil.example/", data={"email": ADMIN[0], "password": ADMIN[1],
                                                                     "csrf_token": token})  # fmt: skip
    assert response.headers["Location"] == "/dashboard"


def test_password_reset_link_is_logged_hashed_and_single_use(client: Any, users: Any, caplog: Any) -> None:
    post(client, "/password/forgot", {"email": ADMIN[0]})
    link = next(r.getMessage() for r in caplog.records if "password reset link" in r.getMessage()).split(
        ": ", 1
    )[1]
    path = link.replace("http://localhost", "")
    token = path.rsplit("/", 1)[1]
    with users.db.session() as session:
        stored = [r.token_hash for r in session.query(PasswordReset)]
    assert len(stored) == 1 and token not in stored[0]
    short = post(client, path, {"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 10" in short.get_data(as_text=True)
    assert post(client, path, {"password": "a-new-password", "confirm": "a-new-password"}).status_code == 302
    assert client.get(path).status_code == 404  # used up
    login(client, ADMIN[0], "a-new-password")


def test_create_user_command_prints_one_time_password(runner: Any, sample_partners: Any) -> None:
    result = runner.invoke(args=["users", "create", "ops@example.com", "--admin"])
    assert result.exit_code == 0, result.output
    assert "one-time password:" in result.output
    result = runner.invoke(args=["users", "create", "p@example.com", "--partner", "summit-it"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["users", "create", "x@example.com", "--partner", "nope"]).exit_code == 1
    assert runner.invoke(args=["users", "create", "y@example.com"]).exit_code == 1


def test_demo_users_command_prints_logins(runner: Any, sample_partners: Any, client: Any) -> None:
    result = runner.invoke(args=["users", "demo"])
    assert result.exit_code == 0, result.output
    assert "admin@cobrand.example" in result.output and "demo-admin-password" in result.output
    assert runner.invoke(args=["users", "demo"]).exit_code == 0  # idempotent
    login(client, "partner@summit-it.example", "demo-partner-password")
