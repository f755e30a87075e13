"""End to end on the production parts: PostgreSQL, Redis, S3 (SeaweedFS) and real workers, on loopback.

One set of services for the whole run, N generated partners (BENCH_PARTNERS or --partners):
1. Publish every sample template to the N partners with 2 default (forking) workers, then again
   with nothing changed; the publish time is scaled linearly to 1,000 partners.
2. A signed partner.updated webhook (a new phone number) to that partner's new assets, 6 times:
   p95 from the POST to the last of its publishes completed.
3. The portal page of a campaign with 50 of one partner's assets, served by gunicorn (2 × 4
   threads) and loaded by 4 client threads on loopback: p95 latency.
4. Scaling: the flyer and social campaigns for M partners with 1, 2 and 4 forking workers and 2
   --simple workers, each from scratch: assets per second side by side.
5. Overhead: one batch of 25 partners run in this process; the share of its time spent outside
   Renderer.render_many (queue, database, storage, thumbnails).
"""

from __future__ import annotations

import csv
import http.client
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(ROOT / ".venv" / "bin" / "flask")
SCALING = (("forking", 1), ("forking", 2), ("forking", 4), ("simple", 2))
WEBHOOK_SECRET = "bench-webhook-secret"


def run_fleet(partners: int, scale_partners: int, workdir: Path) -> dict[str, Any]:
    import boto3

    from bench.run import generated_partner, write_partner_logos
    from tests import services as test_services

    stops = []
    try:
        redis_url, stop = test_services.start_redis(workdir)
        stops.append(stop)
        database_url, stop = test_services.start_postgres(workdir)
        stops.append(stop)
        s3_endpoint, stop, credentials = test_services.start_seaweedfs(workdir / "s3")
        stops.append(stop)
        boto3.client("s3", endpoint_url=s3_endpoint, **credentials).create_bucket(Bucket="bench")
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "STORAGE_URL": "s3://bench/cobrand",
            "S3_ENDPOINT_URL": s3_endpoint,
            "AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": credentials["region_name"],
            "AWS_EC2_METADATA_DISABLED": "true",
            "COBRAND_VAR_DIR": str(workdir / "var"),
            "WEBHOOK_SECRETS": f"prm={WEBHOOK_SECRET}",
            "SECRET_KEY": "bench-secret",
        }
        _flask(env, "init-db")
        csv_dir = workdir / "partners"
        write_partner_logos(csv_dir / "logos", partners)
        with (csv_dir / "partners.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(generated_partner(0)))
            writer.writeheader()
            writer.writerows(generated_partner(i) for i in range(partners))
        _flask(env, "import-partners", str(csv_dir / "partners.csv"))
        services = _services(env)
        templates = sorted(
            p.name for p in (ROOT / "campaign_templates").iterdir() if (p / "template.toml").exists()
        )
        result: dict[str, Any] = {"partners": partners, "templates": templates}

        with _workers(env, workdir, "forking", 2):
            slugs = [_campaign(services, f"all-{t}", t) for t in templates]
            for label in ("publish", "republish"):
                elapsed, counts = _publish_all(services, slugs)
                result[f"{label}_s"] = round(elapsed, 1)
                result[f"{label}_assets"] = counts["total"]
                result[f"{label}_rendered"] = counts["rendered"]
                result[f"{label}_failed"] = counts["failed"]
            result["publish_assets_per_s"] = round(result["publish_assets"] / result["publish_s"], 1)
            result["publish_1000_s"] = round(result["publish_s"] * 1000 / partners, 1)
            result["webhook_s"] = _webhooks(env, services, 6)
            result["webhook_p95_s"] = _p95(result["webhook_s"])
        result["portal"] = _portal(env, services, workdir)
        result["scaling"] = {}
        for kind, count in SCALING:
            with _workers(env, workdir, kind, count):
                slugs = [
                    _campaign(services, f"scale-{kind}{count}-{t}", t)
                    for t in ("spring-flyer", "social-launch")
                ]
                ids = _partner_ids(services)[:scale_partners]
                elapsed, counts = _publish_all(services, slugs, partner_ids=ids)
            result["scaling"][f"{kind}-{count}"] = {
                "assets": counts["total"], "seconds": round(elapsed, 1),
                "assets_per_s": round(counts["total"] / elapsed, 2),
            }  # fmt: skip
        scaling = result["scaling"]
        result["fork_vs_simple"] = round(
            scaling["forking-2"]["assets_per_s"] / scaling["simple-2"]["assets_per_s"], 2
        )
        result["scale_4_vs_1"] = round(
            scaling["forking-4"]["assets_per_s"] / scaling["forking-1"]["assets_per_s"], 2
        )
        result.update(_overhead(services))
        services.db.engine.dispose()
        return result
    finally:
        for stop in reversed(stops):
            stop()


def _flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([FLASK, "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _services(env: dict[str, str]) -> Any:
    from app.services import build_services

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return build_services()
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _workers(env: dict[str, str], workdir: Path, kind: str, count: int) -> Any:
    from redis import Redis
    from rq import Worker

    log = (workdir / f"workers-{kind}-{count}.log").open("wb")
    extra = ["--simple"] if kind == "simple" else []
    workers = [
        subprocess.Popen(
            [FLASK, "--app", "wsgi", "worker", *extra, "--name", f"bench-{kind}-{count}-{n}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for n in range(count)
    ]
    connection = Redis.from_url(env["REDIS_URL"])
    try:
        deadline = time.monotonic() + 300
        while len(Worker.all(connection=connection)) < count:
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                raise RuntimeError(f"workers did not start; see {log.name}")
            time.sleep(0.2)
        yield workers
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        deadline = time.monotonic() + 30
        while Worker.all(connection=connection) and time.monotonic() < deadline:
            time.sleep(0.2)  # a stopped worker unregisters itself; the next set counts only its own
        for dead in Worker.all(connection=connection):
            dead.register_death()
        connection.close()
        log.close()


def _campaign(services: Any, slug: str, template: str) -> str:
    from app.campaigns import save_campaign

    save_campaign(services, {"slug": slug, "title": slug, "template": template, "brand_kit": "northwind",
                             "landing_url": "https://northwind.example.com/secure-edge"})  # fmt: skip
    return slug


def _partner_ids(services: Any) -> list[int]:
    from sqlalchemy import select

    from app.models import Partner

    with services.db.session() as session:
        return list(session.scalars(select(Partner.id).order_by(Partner.slug)))


def _publish_all(
    services: Any, slugs: list[str], partner_ids: list[int] | None = None
) -> tuple[float, dict[str, int]]:
    """Start a publish of every campaign at once; wait for all; seconds and summed counts."""
    from app.models import PublishTrigger
    from app.publish_progress import get_publish
    from app.publishing import start_publish

    started = time.perf_counter()
    ids = [
        start_publish(services, slug, trigger=PublishTrigger.CLI, partner_ids=partner_ids) for slug in slugs
    ]
    counts = {"total": 0, "rendered": 0, "unchanged": 0, "failed": 0}
    for publish_id in ids:
        while True:
            publish = get_publish(services, publish_id)
            assert publish is not None
            if publish.status.value in ("completed", "failed"):
                break
            # Each look costs this process CPU the workers share (at 0.05 s, 10 s of a 180 s run).
            time.sleep(0.05 if time.perf_counter() - started < 5 else 0.25)
        for key in counts:
            counts[key] += getattr(publish, key)
    return time.perf_counter() - started, counts


def _webhooks(env: dict[str, str], services: Any, count: int) -> list[float]:
    """Seconds from a signed partner.updated POST to the last of its publishes completed."""
    from sqlalchemy import select

    from app import create_app
    from app.models import Partner, Publish, WebhookEvent
    from app.webhooks.signing import SIGNATURE_HEADER, sign

    app = create_app({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "STORAGE_URL", "S3_ENDPOINT_URL",
                                           "WEBHOOK_SECRETS", "SECRET_KEY")})  # fmt: skip
    client = app.test_client()
    with services.db.session() as session:
        slugs = list(session.scalars(select(Partner.slug).order_by(Partner.slug).limit(count)))
    seconds = []
    for index, slug in enumerate(slugs):
        with services.db.session() as session:
            last = session.scalar(select(Publish.id).order_by(Publish.id.desc()).limit(1)) or 0
        body = json.dumps({"id": f"bench-{index}-{time.time_ns()}", "type": "partner.updated",
                           "data": {"slug": slug, "phone": f"+1 555 77{index:02d}"}}).encode()  # fmt: skip
        started = time.perf_counter()
        response = client.post("/api/v1/webhooks/prm", data=body,
                               headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(WEBHOOK_SECRET, body)})  # fmt: skip
        assert response.status_code == 202, response.get_data(as_text=True)
        event_row = response.get_json()["id"]
        while True:
            with services.db.session() as session:
                # Once the event is processed every publish it starts exists (a publish whose assets
                # are all unchanged completes at once: seen alone, it would end the wait early).
                processed = session.get(WebhookEvent, event_row).status.value != "received"
                publishes = session.scalars(select(Publish).where(Publish.id > last)).all()
                done = processed and all(p.status.value in ("completed", "failed") for p in publishes)
            if done:
                break
            if time.perf_counter() - started > 120:
                raise RuntimeError(f"webhook for {slug}: no completed publish after 120 s")
            time.sleep(0.02)
        seconds.append(round(time.perf_counter() - started, 3))
    app.extensions["cobrand"].db.dispose()
    return seconds


def _portal(env: dict[str, str], services: Any, workdir: Path) -> dict[str, Any]:
    """p95 of the portal page of a campaign with 50 of one partner's assets, under 4 client threads."""
    from sqlalchemy import select

    from app.auth.users import create_user
    from app.models import Asset, AssetStatus, Campaign, CampaignStatus, Partner, UserRole

    _campaign(services, "portal-50", "spring-flyer")
    with services.db.session() as session:
        partner = session.scalar(select(Partner).order_by(Partner.slug).limit(1))
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "portal-50"))
        campaign.status = CampaignStatus.PUBLISHED
        services.storage.put("assets/portal-50/file.pdf", b"%PDF-1.7 bench", content_type="application/pdf")
        for index in range(50):
            session.add(Asset(campaign_id=campaign.id, partner_id=partner.id, output=f"out-{index:02d}",
                              status=AssetStatus.RENDERED, storage_key="assets/portal-50/file.pdf",
                              content_type="application/pdf", filename=f"file-{index:02d}.pdf", size_bytes=14))  # fmt: skip
        create_user(session, "bench@partner.example", UserRole.PARTNER, partner_slug=partner.slug,
                    password="bench-password-1")  # fmt: skip
    port = _free_port()
    server_env = {**env, "PORT": str(port), "WEB_WORKERS": "2", "WEB_THREADS": "4"}
    log = (workdir / "gunicorn.log").open("wb")
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                              cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(base + "/login", server)
        opener = _signed_in(base, "bench@partner.example", "bench-password-1")
        url = base + "/portal/campaigns/portal-50"
        page = opener.open(url, timeout=30).read().decode()
        assert page.count("/download") >= 50, "the portal page does not list the 50 assets"
        latencies: list[float] = []
        lock = threading.Lock()

        def load() -> None:
            mine = []
            for _ in range(50):
                started = time.perf_counter()
                opener.open(url, timeout=30).read()
                mine.append(time.perf_counter() - started)
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=load) for _ in range(4)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return {
        "requests": len(latencies), "assets_on_page": 50, "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(_p95(latencies) * 1000, 1), "requests_per_s": round(len(latencies) / elapsed, 1),
    }  # fmt: skip


def _signed_in(base: str, email: str, password: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = opener.open(base + "/login", timeout=30).read().decode()
    match = re.search(r'name="csrf_token" value="([^"]+)"', form)
    data = {"email": email, "password": password, **({"csrf_token": match.group(1)} if match else {})}
    opener.open(base + "/login", data=urllib.parse.urlencode(data).encode(), timeout=30).read()
    return opener


def _overhead(services: Any) -> dict[str, Any]:
    """One batch of 25 partners run here: the share of its time outside render_many."""
    from app import batches
    from app.models import PublishTrigger
    from app.publishing import plan_publish
    from app.render_inputs import campaign_input

    slug = _campaign(services, "overhead-flyer", "spring-flyer")
    plan = plan_publish(services, slug, trigger=PublishTrigger.CLI)
    with services.db.session() as session:
        from sqlalchemy import select

        from app.models import Campaign

        campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
        kit = services.content.brand_kit(campaign.brand_kit_slug)
        template = services.content.template(campaign.template_slug)
        services.renderer.prepare_masters(kit, template, campaign_input(campaign))
    renderer = services.renderer
    original = renderer.render_many
    spent: list[float] = []

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    renderer.render_many = timed  # type: ignore[method-assign]
    batch = [p for batch in plan.batches for p in batch][:25]
    started = time.perf_counter()
    batches.render_batch(services, plan.publish_id, batch, None)
    total = time.perf_counter() - started
    renderer.render_many = original  # type: ignore[method-assign]
    render = sum(spent)
    return {"overhead_batch_partners": len(batch), "overhead_share": round((total - render) / render, 3)}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    parts = urllib.parse.urlsplit(url)
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited; see gunicorn.log")
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
            connection.request("GET", parts.path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer")
