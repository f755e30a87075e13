"""/metrics on real apps: render histogram and asset counters after a publish, the queue gauge
with jobs queued on a real Redis and no worker, and who may read it."""

from __future__ import annotations

import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.models import Asset, Publish
from app.publishing import start_publish

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def scrape(client, **kwargs) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", environ_base=kwargs.pop("environ_base", LOCAL), **kwargs)
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def total(samples, name: str, **labels: str) -> float:
    return sum(
        v for (n, ls), v in samples.items() if n == name and all((k, x) in ls for k, x in labels.items())
    )


def test_render_histogram_counts_match_the_assets_a_publish_rendered(app, sample_partners, runner) -> None:
    client = app.test_client()
    before = scrape(client)
    result = runner.invoke(
        args=["create-campaign", "social", "--template", "social-launch", "--brand-kit", "northwind"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["publish", "social"])
    assert result.exit_code == 0, result.output
    with sample_partners.db.session() as session:
        publish = session.query(Publish).one()
        rendered = publish.rendered
        stored = (
            session.query(Asset).filter(Asset.outcome == "rendered", Asset.storage_key.isnot(None)).count()
        )
    assert rendered == stored > 0

    after = scrape(client)
    delta = {k: v - before.get(k, 0.0) for k, v in after.items()}
    assert total(delta, "cobrand_render_duration_seconds_count") == rendered
    images = total(delta, "cobrand_render_duration_seconds_count", kind="image")
    posts = total(delta, "cobrand_render_duration_seconds_count", kind="social-post")
    assert images == 2 * posts and images + posts == rendered  # per partner: 2 image sizes and the post
    assert total(delta, "cobrand_render_duration_seconds_bucket", le="+Inf") == rendered
    assert total(delta, "cobrand_render_duration_seconds_sum") > 0
    assert total(delta, "cobrand_assets_total", outcome="rendered") == rendered
    assert total(after, "cobrand_publishes_in_progress") == 0
    assert total(delta, "cobrand_http_requests_total", route="/metrics", method="GET", status="200") == 1

    runner.invoke(args=["publish", "social"])  # nothing changed: counted unchanged, nothing rendered
    again = scrape(client)
    assert total(again, "cobrand_render_duration_seconds_count") == total(
        after, "cobrand_render_duration_seconds_count"
    )
    assert (
        total(again, "cobrand_assets_total", outcome="unchanged")
        - total(after, "cobrand_assets_total", outcome="unchanged")
        == rendered
    )


@pytest.mark.redis
def test_queue_depth_rises_when_jobs_are_queued_with_no_worker(make_app, redis_conn, redis_url) -> None:
    from app.partner_import import import_partners_file
    from tests.fixtures_app import SAMPLE_CSV

    queue = f"metrics-{uuid.uuid4().hex[:8]}"
    app = make_app(REDIS_URL=redis_url, RQ_QUEUE=queue, PUBLISH_BATCH_SIZE=3)
    services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    runner = app.test_cli_runner()
    runner.invoke(
        args=["create-campaign", "spring", "--template", "spring-flyer", "--brand-kit", "northwind"]
    )
    client = app.test_client()
    idle = scrape(client)
    assert total(idle, "cobrand_queue_jobs", queue=queue, state="queued") == 0
    assert total(idle, "cobrand_queue_oldest_job_age_seconds", queue=queue) == 0

    start_publish(services, "spring")
    queued = scrape(client)
    waiting = redis_conn.llen(f"rq:queue:{queue}")  # the publish's jobs; no worker takes them
    assert waiting >= 1 and total(queued, "cobrand_queue_jobs", queue=queue, state="queued") == waiting
    assert total(queued, "cobrand_queue_oldest_job_age_seconds", queue=queue) >= 0
    assert total(queued, "cobrand_publishes_in_progress") == 1


def test_metrics_are_refused_to_other_addresses_unless_they_send_the_token(make_app) -> None:
    app = make_app(METRICS_TOKEN="metrics-token-for-tests-1234")
    client = app.test_client()
    outside = {"REMOTE_ADDR": "192.0.2.10"}
    refused = client.get("/metrics", environ_base=outside)
    assert refused.status_code == 403 and b"METRICS_TOKEN" in refused.data
    wrong = client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert scrape(
        client, environ_base=outside, headers={"Authorization": "Bearer metrics-token-for-tests-1234"}
    )
    # Loopback, but through a proxy the app does not trust: the real scraper could be anyone.
    proxied = client.get("/metrics", environ_base=LOCAL, headers={"X-Forwarded-For": "198.51.100.7"})
    assert proxied.status_code == 403


def test_forwarded_headers_count_only_from_a_trusted_proxy(make_app) -> None:
    app = make_app(TRUSTED_PROXIES="10.0.0.2")
    headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}

    @app.get("/_test/whoami")
    def whoami():
        from flask import request

        return {"remote_addr": request.remote_addr, "scheme": request.scheme}

    client = app.test_client()
    via_proxy = client.get(
        "/_test/whoami", environ_base={"REMOTE_ADDR": "10.0.0.2"}, headers=headers
    ).get_json()
    assert via_proxy == {"remote_addr": "198.51.100.7", "scheme": "https"}
    direct = client.get(
        "/_test/whoami", environ_base={"REMOTE_ADDR": "203.0.113.9"}, headers=headers
    ).get_json()
    assert direct == {"remote_addr": "203.0.113.9", "scheme": "http"}
