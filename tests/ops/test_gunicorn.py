"""The app in production shape: gunicorn (gunicorn.conf.py, 2 workers × 4 threads) and an RQ worker
with --health-port, on PostgreSQL, SeaweedFS and a Redis of this module's own, all real processes
on loopback, with LOG_FORMAT=json.

Signs in, publishes and downloads through gunicorn; reads the worker's and the web's /metrics;
reads every log line; stops and restarts this module's Redis under /readyz. The tests share one
site and run in order (the last one stops Redis).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from app.config import PROJECT_ROOT
from app.models import Asset, Campaign, Publish, PublishStatus, UserRole
from tests import services as test_services
from tests.ops.deploy_support import Nginx, example_env, start_nginx, unit_commands

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3, pytest.mark.slow]

ADMIN_EMAIL = "ops-admin@cobrand.example"
ADMIN_PASSWORD = "Gunicorn-Test-Password-7731"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Browser:
    """A cookie-keeping HTTP client that does not follow redirects (so we see them)."""

    base: str
    context: ssl.SSLContext | None = None
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def request(self, method: str, path: str, data: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
        handlers = [
            urllib.request.HTTPCookieProcessor(self.jar),
            urllib.request.HTTPSHandler(context=self.context),
        ]
        opener = urllib.request.build_opener(*handlers, _NoRedirect)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        # Over HTTPS, Flask-WTF wants a same-origin Referer on every form post, as browsers send.
        headers = {"Referer": self.base + "/", **(headers or {})}
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with opener.open(req, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def csrf(self, path: str) -> str:
        status, _, page = self.request("GET", path)
        assert status == 200, (path, status)
        match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert match, f"no CSRF token on {path}"
        return match.group(1).decode()


@dataclass
class Site:
    web: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    url: str
    worker_url: str
    web_log: Path
    worker_log: Path
    services: Any
    redis_url: str
    redis_dir: Path
    stop_redis: Any
    api_token: str
    campaign_ids: dict[str, int]
    nginx: Nginx

    def lines(self) -> list[str]:
        return [line for log in (self.web_log, self.worker_log) for line in log.read_text().splitlines()]

    def logs(self) -> str:
        return f"--- web ---\n{self.web_log.read_text()[-4000:]}\n--- worker ---\n{self.worker_log.read_text()[-4000:]}"


def _get(
    url: str, headers: dict[str, str] | None = None, tls: ssl.SSLContext | None = None
) -> tuple[int, bytes]:
    try:
        request = urllib.request.Request(url, headers=headers or {})
        with urllib.request.urlopen(request, timeout=30, context=tls) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def _wait(what: str, check: Any, site_logs: Any, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"{what} not reached in {timeout:.0f} s\n{site_logs()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@pytest.fixture(scope="module")
def site(postgres_url: str, s3_endpoint: str, s3_credentials: dict[str, str], s3_client: Any,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:  # fmt: skip
    from app.auth.tokens import create_token
    from app.auth.users import create_user
    from app.campaigns import save_campaign
    from app.partner_import import import_partners_file
    from tests.fixtures_app import SAMPLE_CSV

    tmp = tmp_path_factory.mktemp("gunicorn-site")
    redis_url, stop_redis = test_services.start_redis(tmp)  # this module's own: the last test stops it
    db_name = f"test_gunicorn_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{db_name}"'))
    database_url = sa.make_url(postgres_url).set(database=db_name).render_as_string(hide_password=False)
    bucket = f"gunicorn-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=bucket)
    web_port, health_port, https_port, http_port = test_services.free_ports(4)
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TEST_", "PYTEST", "PROMETHEUS"))
    }
    env = {
        **inherited,
        **example_env(),  # then the test's own services and secrets instead of the example's
        "AWS_ACCESS_KEY_ID": s3_credentials["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": s3_credentials["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": s3_credentials["region_name"],
        "AWS_EC2_METADATA_DISABLED": "true",
        "DATABASE_URL": database_url,
        "STORAGE_URL": f"s3://{bucket}/cobrand",
        "S3_ENDPOINT_URL": s3_endpoint,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "gunicorn-test-secret-key-0123456789abcdef",
        "PORT": str(web_port),
        "COBRAND_VAR_DIR": str(tmp / "var"),
    }
    assert env["LOG_FORMAT"] == "json" and env["WEB_WORKERS"] == "2" and env["WEB_THREADS"] == "4"
    assert env["TRUSTED_PROXIES"] == "127.0.0.1" and env["SESSION_COOKIE_SECURE"] == "true"
    config = {"DATABASE_URL": database_url, "STORAGE_URL": env["STORAGE_URL"], "S3_ENDPOINT_URL": s3_endpoint,
              "REDIS_URL": redis_url, "SECRET_KEY": env["SECRET_KEY"]}  # fmt: skip
    saved = {
        k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
    }
    os.environ.update({k: env[k] for k in saved})
    app = create_app(config)
    services = app.extensions["cobrand"]
    services.db.upgrade()
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    campaign_ids = {}
    with services.db.session() as session:
        create_user(session, ADMIN_EMAIL, UserRole.ADMIN, password=ADMIN_PASSWORD)
        api_token, _ = create_token(session, name="ops test")
    for slug, template in (("spring", "spring-flyer"), ("social", "social-launch")):
        save_campaign(services, {"slug": slug, "template": template, "brand_kit": "northwind", "title": slug,
                                 "landing_url": f"https://northwind.example.com/{slug}",
                                 "audience": {"types": [], "tiers": [], "regions": []}})  # fmt: skip
    with services.db.session() as session:
        campaign_ids = dict(session.execute(sa.select(Campaign.slug, Campaign.id)).all())

    web_unit, worker_unit = unit_commands("cobrand-web.service"), unit_commands("cobrand-worker@.service")
    doctor = subprocess.run(
        web_unit["ExecStartPre"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr  # the unit refuses to start otherwise
    worker_argv = worker_unit["ExecStart"]
    worker_argv[worker_argv.index("--health-port") + 1] = str(health_port)  # 9101 may be taken here
    web_log, worker_log = tmp / "web.log", tmp / "worker.log"
    with web_log.open("ab") as out:
        web = subprocess.Popen(web_unit["ExecStart"], cwd=PROJECT_ROOT,
                               env={**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp / "web-metrics")},
                               stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    with worker_log.open("ab") as out:
        worker = subprocess.Popen(worker_argv, cwd=PROJECT_ROOT,
                                  env={**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp / "worker-metrics")},
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    nginx = start_nginx(tmp / "nginx", web_port, https_port, http_port)
    site = Site(web, worker, f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{health_port}", web_log,
                worker_log, services, redis_url, tmp, stop_redis, api_token, campaign_ids, nginx)  # fmt: skip
    try:
        _wait("gunicorn /healthz", lambda: _get(site.url + "/healthz")[0] == 200, site.logs)
        _wait("the worker's /healthz", lambda: _get(site.worker_url + "/healthz")[0] == 200, site.logs)
        yield site
    finally:
        nginx.stop()
        _stop(worker)
        _stop(web)
        site.stop_redis()
        services.db.dispose()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if objects:
                s3_client.delete_objects(Bucket=bucket, Delete={"Objects": objects})
        s3_client.delete_bucket(Bucket=bucket)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()


def _json_lines(site: Site) -> list[dict[str, Any]]:
    return [json.loads(line) for line in site.lines()]


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}  # fmt: skip


def _total(samples: dict[Any, float], name: str, **labels: str) -> float:
    return sum(
        v for (n, ls), v in samples.items() if n == name and all((k, x) in ls for k, x in labels.items())
    )


def _publish(site: Site, slug: str) -> Publish:
    with site.services.db.session() as session:
        return session.scalars(
            sa.select(Publish).join(Campaign).where(Campaign.slug == slug).order_by(Publish.id.desc())
        ).first()


def _tls(site: Site) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(site.nginx.cert))
    context.check_hostname = False  # the throwaway certificate names cobrand.example.com and 127.0.0.1
    return context


def test_sign_in_publish_and_download_through_nginx_and_gunicorn_with_two_workers_of_four_threads(
    site: Site,
) -> None:
    booted = [line for line in _json_lines(site) if line.get("logger") == "gunicorn.error"]
    assert sum("Booting worker" in line["message"] for line in booted) == 2, site.logs()
    assert any(line["message"] == "Using worker: gthread" for line in booted)
    assert len(_children(site.web.pid)) == 2

    browser = Browser(site.nginx.https_url, _tls(site))
    token = browser.csrf("/login")
    status, _, _ = browser.request(
        "POST", "/login", {"email": ADMIN_EMAIL, "password": "wrong-password-1", "csrf_token": token}
    )
    assert status == 401
    status, headers, _ = browser.request(
        "POST", "/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token}
    )
    assert status == 302, headers
    campaign_id = site.campaign_ids["spring"]
    token = browser.csrf(f"/campaigns/{campaign_id}")
    status, headers, _ = browser.request("POST", f"/campaigns/{campaign_id}/publish", {"csrf_token": token},
                                         headers={"X-Request-ID": "ops-test-publish-1"})  # fmt: skip
    assert status == 302 and headers["X-Request-ID"] == "ops-test-publish-1"
    publish = _publish(site, "spring")

    def finished() -> dict[str, Any] | None:
        status, _, body = browser.request("GET", f"/publishes/{publish.id}.json")
        data = json.loads(body) if status == 200 else {}
        return data if data.get("status") == PublishStatus.COMPLETED.value else None

    progress = _wait("the publish to complete", finished, site.logs, timeout=300)
    publish = _publish(site, "spring")
    assert publish.rendered == publish.total > 0 and publish.failed == 0, progress

    with site.services.db.session() as session:
        asset = session.scalars(
            sa.select(Asset).where(Asset.publish_id == publish.id).order_by(Asset.id)
        ).first()
    status, headers, _ = browser.request("GET", f"/assets/{asset.id}/download")
    assert status == 302 and headers["Location"].startswith(site.services.config["S3_ENDPOINT_URL"])
    status, pdf = _get(headers["Location"])  # the presigned URL, straight from SeaweedFS
    assert status == 200 and pdf.startswith(b"%PDF-") and len(pdf) == asset.size_bytes


def _ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def test_nginx_in_front_tls_request_ids_forwarded_headers_and_metrics_closed(site: Site) -> None:
    tls = _tls(site)
    status, headers, _ = Browser(site.nginx.http_url).request("GET", "/login")
    assert status == 301 and headers["Location"].startswith("https://")
    browser = Browser(site.nginx.https_url, tls)
    status, headers, _ = browser.request("GET", "/healthz", headers={"X-Request-ID": "edge-42"})
    assert status == 200 and headers["X-Request-ID"] == "edge-42"
    status, headers, _ = browser.request("GET", "/login", headers={"X-Forwarded-For": "203.0.113.9"})
    assert status == 200 and re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])  # made by nginx
    line = next(line for line in _json_lines(site) if line.get("request_id") == headers["X-Request-ID"])
    assert line["remote_addr"] == "127.0.0.1" and line["scheme"] == "https"  # the forged address dropped
    assert browser.request("GET", "/metrics")[0] == 404
    assert _get(site.url + "/metrics")[0] == 200  # on loopback, straight to gunicorn


def test_the_workers_metrics_count_every_asset_it_rendered(site: Site) -> None:
    publish = _publish(site, "spring")
    status, body = _get(site.worker_url + "/metrics")
    assert status == 200
    samples = _samples(body.decode())
    assert _total(samples, "cobrand_render_duration_seconds_count", kind="pdf") == publish.rendered
    assert (
        _total(samples, "cobrand_render_duration_seconds_bucket", kind="pdf", le="+Inf") == publish.rendered
    )
    assert _total(samples, "cobrand_assets_total", outcome="rendered") == publish.rendered
    assert _total(samples, "cobrand_jobs_total", job="render_batch", outcome="done") >= 1

    status, body = _get(site.url + "/metrics")  # the web's: requests from both gunicorn workers, queue
    assert status == 200
    web = _samples(body.decode())
    assert _total(web, "cobrand_http_requests_total", route="/login", method="POST", status="302") == 1
    assert _total(web, "cobrand_http_requests_total", route="/publishes/<int:publish_id>.json") >= 1
    assert _total(web, "cobrand_publishes_in_progress") == 0
    assert _total(web, "cobrand_queue_jobs", state="queued") == 0


def test_every_log_line_is_json_and_the_publish_lines_carry_its_id_and_no_secret(site: Site) -> None:
    # An API call with the token, in the header and (wrongly) in the query string too.
    token = site.api_token
    status, _ = _get(
        f"{site.url}/api/v1/campaigns?access_token={token}", {"Authorization": f"Bearer {token}"}
    )
    assert status == 200
    publish = _publish(site, "spring")
    text = "\n".join(site.lines())
    assert token not in text and token[12:] not in text
    assert ADMIN_PASSWORD not in text and "wrong-password-1" not in text

    lines = _json_lines(site)  # raises if any line of either process is not JSON
    mine = [line for line in lines if line.get("publish_id") == publish.id]
    asset_lines = [line for line in lines if "asset_id" in line and line["message"].startswith("asset ")]
    assert len(asset_lines) == publish.total and all(
        line.get("publish_id") == publish.id for line in asset_lines
    )
    job_lines = [line for line in lines if line.get("logger") == "cobrand.job"]
    assert job_lines and all(
        line["publish_id"] == publish.id and line["outcome"] == "done" for line in job_lines
    )
    rq_lines = [line for line in lines if f"publish-{publish.id}-" in line["message"]]
    assert rq_lines and all(line.get("publish_id") == publish.id for line in rq_lines)
    request = [line for line in mine if line.get("logger") == "cobrand.request"]
    assert [line["request_id"] for line in request] == ["ops-test-publish-1"]
    assert request[0]["route"] == "/campaigns/<int:campaign_id>/publish" and request[0]["status"] == 302
    messages = [line["message"] for line in mine]
    assert any(m.startswith(f"publish {publish.id} of spring started") for m in messages)
    assert any(m.startswith(f"publish {publish.id} completed: {publish.rendered} rendered") for m in messages)


def _children(pid: int) -> set[int]:
    return {int(p) for p in os.listdir("/proc") if p.isdigit() and _ppid(int(p)) == pid}


def test_sighup_reloads_gracefully_onto_fresh_workers_and_keeps_the_counts(site: Site) -> None:
    before = _children(site.web.pid)
    assert len(before) == 2
    os.kill(site.web.pid, signal.SIGHUP)  # what `systemctl reload cobrand-web` sends (ExecReload)

    def replaced() -> bool:
        now = _children(site.web.pid)
        return len(now) == 2 and not now & before and _get(site.url + "/healthz")[0] == 200

    _wait("two fresh gunicorn workers serving", replaced, site.logs, timeout=90)
    assert site.web.poll() is None  # the same master: the listening socket never closed
    web = _samples(_get(site.url + "/metrics")[1].decode())
    assert _total(web, "cobrand_http_requests_total", route="/login", method="POST", status="302") == 1


def test_queue_depth_rises_while_no_worker_runs(site: Site) -> None:
    _stop(site.worker)
    before = _samples(_get(site.url + "/metrics")[1].decode())
    assert _total(before, "cobrand_queue_jobs", state="queued") == 0
    req = urllib.request.Request(f"{site.url}/api/v1/campaigns/social/publish", method="POST",
                                 headers={"Authorization": f"Bearer {site.api_token}"})  # fmt: skip
    with urllib.request.urlopen(req, timeout=60) as response:
        assert response.status == 202
    publish = _publish(site, "social")
    assert publish.total > 0 and publish.status == PublishStatus.RUNNING
    after = _samples(_get(site.url + "/metrics")[1].decode())
    queued = _total(after, "cobrand_queue_jobs", state="queued")
    from redis import Redis

    waiting = Redis.from_url(site.redis_url).llen(f"rq:queue:{site.services.config['RQ_QUEUE']}")
    assert queued == waiting >= 1, (queued, waiting)
    assert _total(after, "cobrand_publishes_in_progress") == 1
    assert _total(after, "cobrand_queue_oldest_job_age_seconds") >= 0


def test_readyz_names_redis_while_it_is_stopped_and_recovers_without_a_restart(site: Site) -> None:
    status, body = _get(site.url + "/readyz")
    assert status == 200 and json.loads(body)["status"] == "ready"
    site.stop_redis()  # this module's own Redis, never a shared one
    for _ in range(4):  # both gunicorn workers answer alike
        status, body = _get(site.url + "/readyz")
        data = json.loads(body)
        assert status == 503 and data["failing"] == ["redis"], data
        assert data["checks"]["database"]["ok"] and data["checks"]["storage"]["ok"]
    assert _get(site.url + "/healthz")[0] == 200
    port = int(site.redis_url.rsplit(":", 1)[1].split("/")[0])
    _, site.stop_redis = test_services.start_redis(site.redis_dir / "again", port=port)
    for _ in range(4):
        status, body = _get(site.url + "/readyz")
        assert status == 200, body
    assert site.web.poll() is None  # the same gunicorn, never restarted
