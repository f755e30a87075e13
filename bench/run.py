"""Cobrand's benchmark (`make bench`): figures and ratios measured side by side in one run.

1. Per asset: the sample flyer (PDF) and the social post (PNG) for N generated partners,
   our renderer against a naive baseline, interleaved partner by partner so machine noise hits
   both alike. Naive PDF: a fresh FontConfiguration, fresh stylesheets and a fresh
   ``HTML(...).write_pdf()`` per partner. Naive image: every Pillow cache emptied before each
   render (fonts, background and logos loaded again) and PNG at Pillow's default level.
2. End to end: real Redis, PostgreSQL and S3 (SeaweedFS) on loopback, 2 `flask --app wsgi worker`
   processes; publish the flyer and social campaigns to N partners, then publish again with
   nothing changed. The workers run with --simple (jobs in the warm worker process): a forking
   worker loses the laid-out masters with each job's child and lays them out again per batch.
3. Memory: one renderer in its own process renders 2,000 assets for distinct partners; its
   peak RSS and RSS growth per render after warm-up.
4. Short links: /r/<code> served by gunicorn on loopback at 500 requests/s from an open-loop
   Python load generator (bench/redirects.py): throughput, p50/p95/p99, clicks sent vs recorded.
5. Designs (bench/designs.py): the uploaded-design path, zones stamped onto the designer's PDF,
   against the same zones drawn by WeasyPrint over the master as a background image.
6. Import (bench/imports.py): 10,000 partners from a Salesforce-style CSV with file logos, in a
   fresh process: seconds and peak RSS.

Prints a table with the targets and PASS/MISS, and writes bench/results/latest.json.
Usage: .venv/bin/python bench/run.py [--partners 200] [--samples 30] [--renders 2000] [--skip-e2e]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.rendering.model import CampaignInput, PartnerInput  # noqa: E402
from app.rendering.program import load_program  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LOGOS = sorted((ROOT / "sample_data" / "logos").iterdir())
PROGRAM = load_program(ROOT / "partner_program.toml")
"""Generated partners take their types, tiers and regions from the sample partner program."""
TARGETS = {
    "pdf_speedup": (5.0, ">="),
    "image_speedup": (3.0, ">="),
    "design_speedup": (3.0, ">="),
    "publish_1000_s": (180.0, "<="),
    "republish_s": (10.0, "<="),
    "rss_growth_kib_per_render": (20.0, "<"),
    "redirect_p95_ms": (20.0, "<"),
    "clicks_lost": (0.0, "<="),
    "import_10000_s": (60.0, "<="),
}


def generated_partner(index: int) -> dict[str, str]:
    """A partner row as in sample_data/partners.csv; varied names, logos, types, tiers, regions."""
    slug = f"bench-{index:05d}"
    region = PROGRAM.regions[index % len(PROGRAM.regions)]
    return {
        "slug": slug,
        "name": f"{('Northstar', 'Blue Fjord', 'Kestrel', 'Tamarind', 'Orion')[index % 5]} Systems {index}",
        "type": PROGRAM.types[index % len(PROGRAM.types)].slug,
        # The two highest-ranked tiers: every partner gets the social posts (gold and above) too.
        "tier": PROGRAM.tiers[-1 - index % 2].slug,
        "region": region.slug,
        "country": region.countries[0] if region.countries else "",
        "locale": "en",
        "website": f"https://{slug}.example.com",
        "email": f"sales@{slug}.example.com",
        "phone": f"+1 555 {index:04d}",
        "address": f"{index} Example Street, Springfield",
        "logo": f"logos/{LOGOS[index % len(LOGOS)].name}",
        "active": "true",
    }


def partner_input(index: int) -> PartnerInput:
    row = generated_partner(index)
    logo = (ROOT / "sample_data" / row["logo"]).read_bytes()
    return PartnerInput(
        slug=row["slug"], name=row["name"], type=row["type"], tier=row["tier"], region=row["region"],
        country=row["country"], website=row["website"], email=row["email"], phone=row["phone"],
        address=row["address"], logo=logo,
    )  # fmt: skip


def median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


# --- 1. Per asset ---------------------------------------------------------------------------------


def bench_per_asset(samples: int) -> dict[str, Any]:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from app.rendering import image as image_module
    from app.rendering import textfit
    from app.rendering.brand_kit import load_brand_kit
    from app.rendering.image import ImageRenderer
    from app.rendering.pdf import _font_face_css, _page_css
    from app.rendering.renderer import Renderer
    from app.rendering.template import load_template

    kit = load_brand_kit(ROOT / "brand_kits" / "northwind")
    flyer = load_template(ROOT / "campaign_templates" / "spring-flyer")
    social = load_template(ROOT / "campaign_templates" / "social-launch")
    campaign = CampaignInput(slug="spring-launch", landing_url="https://northwind.example.com/secure-edge")
    pdf_output = flyer.outputs[0]
    renderer = Renderer()
    # The naive image pipeline: no masters, Pillow's own PNG encoder (at its default level, below).
    naive_renderer = Renderer()
    naive_renderer.image = ImageRenderer(master_cache_size=0, fast_png=False)

    def naive_pdf(partner: PartnerInput) -> bytes:
        logo = renderer.partner_logo(partner)
        html = renderer.pdf.render_html(
            pdf_output, flyer, renderer.pdf.context(kit, flyer, pdf_output, partner, campaign, logo, [])
        )
        font_config = FontConfiguration()
        fetcher = renderer.pdf.fetcher(kit, flyer)
        sheets = [
            CSS(string=_font_face_css(kit), font_config=font_config, url_fetcher=fetcher),
            CSS(string=_page_css(pdf_output)),
        ]
        sheets += [CSS(filename=str(p), font_config=font_config, url_fetcher=fetcher) for p in pdf_output.css]
        return HTML(string=html, base_url=flyer.root.as_uri() + "/", url_fetcher=fetcher).write_pdf(
            stylesheets=sheets, font_config=font_config
        )

    def naive_image(partner: PartnerInput, output_id: str) -> bytes:
        for cached in (
            image_module._background,
            image_module._logo_file,
            image_module._draw_logo,
            textfit.load_font,
            textfit.fit_text,
        ):
            cache_clear = getattr(cached, "cache_clear", None)
            if cache_clear:
                cache_clear()
        saved = image_module.ENCODE_OPTIONS["png"]
        image_module.ENCODE_OPTIONS["png"] = {"format": "PNG"}  # Pillow's default level (6)
        try:
            return naive_renderer.render_one(kit, social, partner, campaign, output_id).data
        finally:
            image_module.ENCODE_OPTIONS["png"] = saved

    image_ids = [i for i in social.output_ids()]
    times: dict[str, list[float]] = {
        k: [] for k in ("pdf_ours", "pdf_full_reused", "pdf_naive", "image_ours", "image_naive")
    }
    warm = 3
    for index in range(samples + warm):
        partner = partner_input(index)
        runs = [
            ("pdf_ours", lambda partner=partner: renderer.render_one(kit, flyer, partner, campaign, "flyer")),
            (
                "pdf_full_reused",
                lambda partner=partner: renderer.pdf.render(
                    kit, flyer, pdf_output, partner, campaign, renderer.partner_logo(partner)
                ),
            ),
            ("pdf_naive", lambda partner=partner: naive_pdf(partner)),
        ]
        for output_id in image_ids:
            runs.append(
                (
                    "image_ours",
                    lambda o=output_id, partner=partner: renderer.render_one(
                        kit, social, partner, campaign, o
                    ),
                )
            )
            runs.append(("image_naive", lambda o=output_id, partner=partner: naive_image(partner, o)))
        if index % 2:
            runs.reverse()
        for name, run in runs:
            started = time.perf_counter()
            run()
            if index >= warm:
                times[name].append(time.perf_counter() - started)
    result = {name: median_ms(values) for name, values in times.items()}
    result["pdf_speedup"] = round(result["pdf_naive"] / result["pdf_ours"], 2)
    result["pdf_full_reused_speedup"] = round(result["pdf_naive"] / result["pdf_full_reused"], 2)
    result["image_speedup"] = round(result["image_naive"] / result["image_ours"], 2)
    result["samples"] = samples
    result["image_outputs"] = image_ids
    return result


# --- 2. End to end ----------------------------------------------------------------------------------


def _flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def bench_end_to_end(partners: int, workdir: Path) -> dict[str, Any]:
    import boto3
    from redis import Redis
    from rq import Worker

    from tests import services as test_services

    stops = []
    workers: list[subprocess.Popen[bytes]] = []
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
            "STORAGE_URL": "s3://bench/assets",
            "S3_ENDPOINT_URL": s3_endpoint,
            "AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": credentials["region_name"],
            "AWS_EC2_METADATA_DISABLED": "true",
            "COBRAND_VAR_DIR": str(workdir / "var"),
        }
        _flask(env, "init-db")
        csv_dir = workdir / "partners"
        shutil.copytree(ROOT / "sample_data" / "logos", csv_dir / "logos")
        with (csv_dir / "partners.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(generated_partner(0)))
            writer.writeheader()
            writer.writerows(generated_partner(i) for i in range(partners))
        _flask(env, "import-partners", str(csv_dir / "partners.csv"))
        landing = "https://northwind.example.com/secure-edge"
        _flask(
            env,
            "create-campaign",
            "spring-launch",
            "--template",
            "spring-flyer",
            "--brand-kit",
            "northwind",
            "--landing-url",
            landing,
        )
        _flask(
            env,
            "create-campaign",
            "launch-social",
            "--template",
            "social-launch",
            "--brand-kit",
            "northwind",
            "--landing-url",
            landing,
        )

        log = (workdir / "workers.log").open("wb")
        for number in range(2):
            workers.append(
                subprocess.Popen(
                    [
                        str(ROOT / ".venv" / "bin" / "flask"),
                        "--app",
                        "wsgi",
                        "worker",
                        "--simple",
                        "--name",
                        f"bench-{number}",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
            )
        connection = Redis.from_url(redis_url)
        deadline = time.monotonic() + 120
        while len(Worker.all(connection=connection)) < 2:
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                raise RuntimeError(f"workers did not start; see {workdir / 'workers.log'}")
            time.sleep(0.2)

        result: dict[str, Any] = {"partners": partners, "workers": 2}
        for label in ("publish", "republish"):
            started = time.perf_counter()
            assets = rendered = 0
            for campaign in ("spring-launch", "launch-social"):
                counts = _publish_and_wait(env, campaign)
                assets += counts["total"]
                rendered += counts["rendered"]
            elapsed = time.perf_counter() - started
            result[f"{label}_s"] = round(elapsed, 1)
            result[f"{label}_assets"] = assets
            result[f"{label}_rendered"] = rendered
            result[f"{label}_assets_per_s"] = round(assets / elapsed, 1)
        s3 = boto3.client("s3", endpoint_url=s3_endpoint, **credentials)
        keys = sum(
            page.get("KeyCount", 0) for page in s3.get_paginator("list_objects_v2").paginate(Bucket="bench")
        )
        result["objects_in_bucket"] = keys
        # Scale to the 1,000 partners (publish time is linear in the number of assets).
        result["publish_1000_s"] = round(result["publish_s"] * 1000 / partners, 1)
        return result
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        for stop in reversed(stops):
            stop()


def _publish_and_wait(env: dict[str, str], campaign: str) -> dict[str, int]:
    """Publish a campaign from this process (as the CLI does) and wait until it is complete."""
    from app.publishing import get_publish, start_publish
    from app.services import build_services

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        services = build_services()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    publish_id = start_publish(services, campaign, trigger="bench")
    while True:
        publish = get_publish(services, publish_id)
        assert publish is not None
        if publish.status.value in ("completed", "failed"):
            break
        time.sleep(0.05)
    services.db.engine.dispose()
    counts = {
        "total": publish.total,
        "rendered": publish.rendered,
        "unchanged": publish.unchanged,
        "failed": publish.failed,
    }
    if counts["failed"]:
        raise RuntimeError(f"publish {campaign}: {counts['failed']} assets failed")
    return counts


# --- 3. Memory ----------------------------------------------------------------------------------------


def _rss_kib() -> tuple[int, int]:
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def memory_child(renders: int) -> dict[str, Any]:
    """Run in a fresh process: warm up, then render `renders` assets for distinct partners."""
    from app.rendering.brand_kit import load_brand_kit
    from app.rendering.renderer import Renderer
    from app.rendering.template import load_template

    kit = load_brand_kit(ROOT / "brand_kits" / "northwind")
    templates = [
        load_template(ROOT / "campaign_templates" / slug)
        for slug in ("spring-flyer", "social-launch", "email-header")
    ]
    campaign = CampaignInput(slug="spring-launch", landing_url="https://northwind.example.com/secure-edge")
    jobs = [(t, o) for t in templates for o in t.output_ids()]
    renderer = Renderer()
    warm_up = 200
    samples: list[tuple[int, int]] = []
    start_rss = 0
    for index in range(warm_up + renders):
        if index == warm_up:
            start_rss = _rss_kib()[0]
        template, output_id = jobs[index % len(jobs)]
        partner = partner_input(index)
        if index % 7 == 0:
            partner = replace(partner, logo=None)
        renderer.render_one(kit, template, partner, campaign, output_id)
        if index >= warm_up and (index - warm_up) % 250 == 0:
            samples.append((index - warm_up, _rss_kib()[0]))
    end_rss, peak = _rss_kib()
    # Growth from a least-squares line over the samples: less sensitive to one allocator step.
    xs, ys = [s[0] for s in samples] + [renders], [s[1] for s in samples] + [end_rss]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    return {
        "renders": renders,
        "warm_up_renders": warm_up,
        "rss_start_mib": round(start_rss / 1024, 1),
        "rss_end_mib": round(end_rss / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "rss_growth_kib_per_render": round(max(slope, (end_rss - start_rss) / renders), 2),
        "mix": [f"{t.slug}/{o}" for t, o in jobs],
    }


def bench_memory(renders: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(renders)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"memory run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- Report ---------------------------------------------------------------------------------------------


def verdict(name: str, value: float) -> str:
    target, op = TARGETS[name]
    ok = {">=": value >= target, "<=": value <= target, "<": value < target}[op]
    return f"{op} {target:g}  {'PASS' if ok else 'MISS'}"


def report(results: dict[str, Any]) -> str:
    lines = ["", f"{'measure':<52} {'value':>10}  target", "-" * 80]

    def row(label: str, value: Any, target: str = "") -> None:
        lines.append(f"{label:<52} {value!s:>10}  {target}")

    asset = results.get("per_asset")
    if asset:
        row("PDF flyer, naive (fresh HTML().write_pdf()), ms", asset["pdf_naive"])
        row("PDF flyer, full render with reused setup, ms", asset["pdf_full_reused"])
        row("PDF flyer, ours (master + stamped zone), ms", asset["pdf_ours"])
        row("PDF speed-up vs naive, ×", asset["pdf_speedup"], verdict("pdf_speedup", asset["pdf_speedup"]))
        row("image (social posts), naive Pillow pipeline, ms", asset["image_naive"])
        row("image (social posts), ours, ms", asset["image_ours"])
        row(
            "image speed-up vs naive, ×",
            asset["image_speedup"],
            verdict("image_speedup", asset["image_speedup"]),
        )
    designs = results.get("designs")
    if designs:
        row("design PDF, naive (WeasyPrint, raster master), ms", designs["design_naive"])
        row("design PDF, ours (zones stamped on the master), ms", designs["design_ours"])
        row("design speed-up vs naive, ×", designs["design_speedup"],
            verdict("design_speedup", designs["design_speedup"]))  # fmt: skip
        row(
            "design PDF size, naive / ours, KiB",
            f"{designs['design_naive_kib']} / {designs['design_ours_kib']}",
        )
    e2e = results.get("end_to_end")
    if e2e:
        row(f"publish {e2e['partners']} partners, 2 workers: assets", e2e["publish_assets"])
        row("publish: seconds", e2e["publish_s"])
        row("publish: assets/s", e2e["publish_assets_per_s"])
        row(
            "publish scaled to 1,000 partners, s",
            e2e["publish_1000_s"],
            verdict("publish_1000_s", e2e["publish_1000_s"]),
        )
        row("re-publish, nothing changed: assets re-rendered", e2e["republish_rendered"])
        row("re-publish: seconds", e2e["republish_s"], verdict("republish_s", e2e["republish_s"]))
        row("re-publish: assets/s", e2e["republish_assets_per_s"])
        row("objects in the bucket", e2e["objects_in_bucket"])
    memory = results.get("memory")
    if memory:
        row(f"worker peak RSS over {memory['renders']} renders, MiB", memory["peak_rss_mib"])
        row(
            "RSS growth per render after warm-up, KiB",
            memory["rss_growth_kib_per_render"],
            verdict("rss_growth_kib_per_render", memory["rss_growth_kib_per_render"]),
        )
    links = results.get("redirects")
    if links:
        row(f"short-link redirects at {links['rate_target']:g} req/s: req/s served", links["throughput_rps"])
        row("redirect latency p50 / p99, ms", f"{links['p50_ms']} / {links['p99_ms']}")
        row("redirect latency p95, ms", links["p95_ms"], verdict("redirect_p95_ms", links["p95_ms"]))
        row("clicks sent / recorded", f"{links['clicks_sent']} / {links['clicks_recorded']}")
        row("clicks lost", links["clicks_lost"], verdict("clicks_lost", links["clicks_lost"]))
    imported = results.get("import")
    if imported:
        row(f"import {imported['rows']:,} partners (CSV, file logos), s", imported["import_s"])
        row("import: rows/s", imported["rows_per_s"])
        row("import scaled to 10,000 partners, s", imported["import_10000_s"],
            verdict("import_10000_s", imported["import_10000_s"]))  # fmt: skip
        row("import: peak RSS, MiB", imported["peak_rss_mib"])
        row("import: rejected / logos not used", f"{imported['rejected']} / {imported['logo_problems']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--partners", type=int, default=200, help="generated partners for the publish (default 200)"
    )
    parser.add_argument("--samples", type=int, default=30, help="partners timed per asset (default 30)")
    parser.add_argument("--renders", type=int, default=2000, help="renders in the memory run (default 2000)")
    parser.add_argument("--skip-e2e", action="store_true", help="skip the end-to-end publish")
    parser.add_argument("--skip-designs", action="store_true", help="skip the uploaded-design run")
    parser.add_argument("--skip-memory", action="store_true", help="skip the memory run")
    parser.add_argument("--skip-redirects", action="store_true", help="skip the short-link redirect run")
    parser.add_argument(
        "--import-rows", type=int, default=10_000, help="rows in the import run (default 10000)"
    )
    parser.add_argument("--skip-import", action="store_true", help="skip the partner import run")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child)))
        return

    results: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "cpus": os.cpu_count()}
    print(f"per asset: {args.samples} partners, interleaved …", flush=True)
    results["per_asset"] = bench_per_asset(args.samples)
    if not args.skip_designs:
        from bench.designs import bench_designs

        print(f"designs: {args.samples} partners, stamped vs naive, interleaved …", flush=True)
        results["designs"] = bench_designs(args.samples, partner_input)
    if not args.skip_e2e:
        print(f"end to end: {args.partners} partners, 2 workers, Redis + PostgreSQL + S3 …", flush=True)
        with tempfile.TemporaryDirectory(prefix="cobrand-bench-") as workdir:
            results["end_to_end"] = bench_end_to_end(args.partners, Path(workdir))
    if not args.skip_memory:
        print(f"memory: {args.renders} renders in one process …", flush=True)
        results["memory"] = bench_memory(args.renders)
    if not args.skip_redirects:
        from bench.redirects import bench_redirects

        print("short links: /r/<code> at 500 requests/s on loopback …", flush=True)
        with tempfile.TemporaryDirectory(prefix="cobrand-bench-links-") as workdir:
            results["redirects"] = bench_redirects(Path(workdir))
    if not args.skip_import:
        from bench.imports import bench_import

        print(f"import: {args.import_rows:,} partners from a PRM-style CSV with file logos …", flush=True)
        results["import"] = bench_import(args.import_rows)
    results["targets"] = {k: f"{op} {v:g}" for k, (v, op) in TARGETS.items()}
    print(report(results))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
