"""Cobrand's benchmark (`make bench`): figures and ratios measured side by side in one run.

1. Per asset: the sample flyer (PDF) and the social post (PNG) for N generated partners,
   our renderer against a naive baseline, interleaved partner by partner so machine noise hits
   both alike. Naive PDF: a fresh FontConfiguration, fresh stylesheets and a fresh
   ``HTML(...).write_pdf()`` per partner. Naive image: every Pillow cache emptied before each
   render (fonts, background and logos loaded again) and PNG at Pillow's default level.
   Ours for PDF is the publish path: PDF_BATCH partners' zones in one document, stamped. Wall
   and CPU time are both measured (the machine is shared: CPU time is the steadier ratio).
2. End to end (bench/fleet.py): real Redis, PostgreSQL and S3 (SeaweedFS) on loopback, default
   (forking) workers; every sample template for N partners, a re-publish with nothing changed,
   signed webhooks, the portal under load on gunicorn, 1/2/4 workers and --simple side by side,
   and the per-asset overhead of a batch.
3. Memory: one renderer in its own process renders 2,000 assets for distinct partners; its
   peak RSS and RSS growth per render after warm-up.
4. Short links: /r/<code> served by gunicorn on loopback at 500 requests/s from an open-loop
   Python load generator (bench/redirects.py): throughput, p50/p95/p99, clicks sent vs recorded.
5. Designs (bench/designs.py): the uploaded-design path, zones stamped onto the designer's PDF,
   against the same zones drawn by WeasyPrint over the master as a background image.
6. Import (bench/imports.py): 10,000 partners from a Salesforce-style CSV with file logos, in a
   fresh process: seconds and peak RSS.

Prints a table with the targets and PASS/MISS, and writes bench/results/latest.json.
Usage: .venv/bin/python bench/run.py [--partners 100] [--scale-partners 30] [--samples 40] [--skip-e2e] …
(BENCH_PARTNERS / BENCH_SCALE_PARTNERS set the defaults: a shorter run on a busy machine.)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.rendering.model import CampaignInput, PartnerInput  # noqa: E402
from app.rendering.program import load_program  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LOGOS = sorted((ROOT / "sample_data" / "logos").iterdir())
PROGRAM = load_program(ROOT / "partner_program.toml")
"""Generated partners take their types, tiers and regions from the sample partner program."""
PDF_BATCH = 10
"""Partners per timed batch of ours (a publish's batches hold PUBLISH_BATCH_SIZE, 25 by default)."""
TARGETS = {
    "pdf_speedup": (10.0, ">="),
    "image_speedup": (8.0, ">="),
    "design_speedup": (3.0, ">="),
    "publish_1000_s": (90.0, "<="),
    "republish_s": (5.0, "<="),
    "webhook_p95_s": (2.0, "<="),
    "portal_p95_ms": (100.0, "<"),
    "fork_vs_simple": (0.9, ">="),
    "overhead_share": (0.15, "<"),
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
        "logo": f"logos/{slug}{LOGOS[index % len(LOGOS)].suffix}",
        "active": "true",
    }


def partner_logo(index: int) -> bytes:
    """Partner index's logo: a sample logo with one colour value changed, so that each partner's
    logo is a file of its own, as in a real PRM (a dozen repeated logos would flatter every cache
    keyed by a logo's content)."""
    source = LOGOS[index % len(LOGOS)]
    step = 1 + index // len(LOGOS)
    if source.suffix == ".svg":
        text = source.read_text()
        match = re.search(r'fill="#([0-9A-Fa-f]{6})"', text)
        assert match, f"{source.name}: no fill colour to vary"
        varied = f"{(int(match.group(1), 16) + step) % 0x1000000:06X}"
        return (text[: match.start(1)] + varied + text[match.end(1) :]).encode()
    image = Image.open(source).convert("RGBA")
    x, y = image.width // 2, image.height // 2
    r, g, b, a = image.getpixel((x, y))  # type: ignore[misc]
    image.putpixel((x, y), (r, g, (b + step) % 256, a))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def write_partner_logos(folder: Path, partners: int) -> None:
    """Each generated partner's logo file, where generated_partner's row points."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(partners):
        (folder.parent / generated_partner(index)["logo"]).write_bytes(partner_logo(index))


def partner_input(index: int) -> PartnerInput:
    row = generated_partner(index)
    logo = partner_logo(index)
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
    names = ("pdf_ours", "pdf_stamped_one", "pdf_full_reused", "pdf_naive", "image_ours", "image_naive")
    times: dict[str, list[float]] = {k: [] for k in names}
    cpu: dict[str, list[float]] = {k: [] for k in names}
    warm = 3

    def batch_of(start: int, record: bool) -> None:
        # Ours, as a publish runs it: a batch's zones laid out in one document (per asset: / PDF_BATCH).
        group = [(partner_input(start + i), campaign) for i in range(PDF_BATCH)]
        wall, used = time.perf_counter(), time.process_time()
        renderer.render_many(kit, flyer, group, "flyer")
        if record:
            times["pdf_ours"].append((time.perf_counter() - wall) / PDF_BATCH)
            cpu["pdf_ours"].append((time.process_time() - used) / PDF_BATCH)

    def singles(index: int, record: bool) -> None:
        partner = partner_input(index)
        runs = [
            ("pdf_stamped_one", lambda: renderer.render_one(kit, flyer, partner, campaign, "flyer")),
            ("pdf_full_reused", lambda: renderer.pdf.render(kit, flyer, pdf_output, partner, campaign,
                                                            renderer.partner_logo(partner))),
            ("pdf_naive", lambda: naive_pdf(partner)),
        ]  # fmt: skip
        for output_id in image_ids:
            runs.append(
                ("image_ours", lambda o=output_id: renderer.render_one(kit, social, partner, campaign, o))
            )
            runs.append(("image_naive", lambda o=output_id: naive_image(partner, o)))
        if index % 2:
            runs.reverse()
        for name, run in runs:
            started, used = time.perf_counter(), time.process_time()
            run()
            if record:
                times[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - used)

    # Rounds of PDF_BATCH partners: the batch of ours before the round's single renders in even
    # rounds, after them in odd ones, so a slow stretch of the machine hits both alike.
    rounds = max(2, -(-samples // PDF_BATCH))
    for number in range(-1, rounds):  # round -1 warms everything up and is not counted
        start, record = (number + 1) * PDF_BATCH, number >= 0
        if number % 2 == 0:
            batch_of(start, record)
        for index in range(start, start + (PDF_BATCH if record else warm)):
            singles(index, record)
        if number % 2 != 0:
            batch_of(start, record)
    result: dict[str, Any] = {name: median_ms(values) for name, values in times.items()}
    result["cpu_ms"] = {name: median_ms(values) for name, values in cpu.items()}
    result["pdf_speedup_cpu"] = round(result["cpu_ms"]["pdf_naive"] / result["cpu_ms"]["pdf_ours"], 2)
    result["image_speedup_cpu"] = round(result["cpu_ms"]["image_naive"] / result["cpu_ms"]["image_ours"], 2)
    # Noise: how far the naive render's wall time spreads (interquartile range / median).
    quartiles = statistics.quantiles(times["pdf_naive"], n=4)
    result["noise_naive_pdf_iqr_share"] = round(
        (quartiles[2] - quartiles[0]) / statistics.median(times["pdf_naive"]), 2
    )
    result["pdf_batch"] = PDF_BATCH
    result["pdf_speedup"] = round(result["pdf_naive"] / result["pdf_ours"], 2)
    result["pdf_stamped_one_speedup"] = round(result["pdf_naive"] / result["pdf_stamped_one"], 2)
    result["pdf_full_reused_speedup"] = round(result["pdf_naive"] / result["pdf_full_reused"], 2)
    result["image_speedup"] = round(result["image_naive"] / result["image_ours"], 2)
    result["samples"] = samples
    result["image_outputs"] = image_ids
    return result


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


def verdict(name: str, value: float | None) -> str:
    target, op = TARGETS[name]
    ok = value is not None and {">=": value >= target, "<=": value <= target, "<": value < target}[op]
    return f"{op} {target:g}  {'PASS' if ok else 'MISS'}"


def report(results: dict[str, Any]) -> str:
    lines = ["", f"{'measure':<52} {'value':>10}  target", "-" * 80]

    def row(label: str, value: Any, target: str = "") -> None:
        lines.append(f"{label:<52} {value!s:>10}  {target}")

    asset = results.get("per_asset")
    if asset:
        row("PDF flyer, naive (fresh HTML().write_pdf()), ms", asset["pdf_naive"])
        row("PDF flyer, full render with reused setup, ms", asset["pdf_full_reused"])
        row("PDF flyer, master + one partner's zone stamped, ms", asset["pdf_stamped_one"])
        row(f"PDF flyer, ours ({asset['pdf_batch']} zones in one document, stamped), ms", asset["pdf_ours"])
        row("PDF speed-up vs naive, ×", asset["pdf_speedup"], verdict("pdf_speedup", asset["pdf_speedup"]))
        row("PDF speed-up vs naive in CPU time (less noisy), ×", asset["pdf_speedup_cpu"])
        row("noise: naive PDF wall time, interquartile range / median", asset["noise_naive_pdf_iqr_share"])
        row("image (social posts), naive Pillow pipeline, ms", asset["image_naive"])
        row("image (social posts), ours, ms", asset["image_ours"])
        row(
            "image speed-up vs naive, ×",
            asset["image_speedup"],
            verdict("image_speedup", asset["image_speedup"]),
        )
        row("image speed-up vs naive in CPU time, ×", asset["image_speedup_cpu"])
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
    fleet = results.get("end_to_end")
    if fleet:
        row(f"publish {fleet['partners']} partners × {len(fleet['templates'])} templates, 2 workers: assets",
            fleet["publish_assets"])  # fmt: skip
        row("publish: seconds / assets per s", f"{fleet['publish_s']} / {fleet['publish_assets_per_s']}")
        row("publish scaled to 1,000 partners, s", fleet["publish_1000_s"],
            verdict("publish_1000_s", fleet["publish_1000_s"]))  # fmt: skip
        row("re-publish, nothing changed: assets re-rendered", fleet["republish_rendered"])
        row("re-publish: seconds", fleet["republish_s"], verdict("republish_s", fleet["republish_s"]))
        row("signed webhook → one partner's new assets, p95 s", fleet["webhook_p95_s"],
            verdict("webhook_p95_s", fleet["webhook_p95_s"]))  # fmt: skip
        portal = fleet["portal"]
        row(f"portal page with 50 assets, gunicorn, {portal['requests']} requests: p50 ms", portal["p50_ms"])
        row(
            "portal page with 50 assets: p95 ms", portal["p95_ms"], verdict("portal_p95_ms", portal["p95_ms"])
        )
        for label, run in fleet["scaling"].items():
            row(f"scaling, {label} worker(s): {run['assets']} assets, assets/s", run["assets_per_s"])
        row("forking / --simple throughput (2 workers each)", fleet["fork_vs_simple"],
            verdict("fork_vs_simple", fleet["fork_vs_simple"]))  # fmt: skip
        row("4 workers / 1 worker throughput (2 cores)", fleet["scale_4_vs_1"])
        row(f"per-asset overhead outside rendering ({fleet['overhead_batch_partners']}-partner batch)",
            fleet["overhead_share"], verdict("overhead_share", fleet["overhead_share"]))  # fmt: skip
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
        if links["errors"]:
            row("redirect requests failed (gunicorn's log: redirects.log_tail in the JSON)", links["errors"])
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
        "--partners",
        type=int,
        default=int(os.environ.get("BENCH_PARTNERS", "100")),
        help="generated partners for the end-to-end publish (default: BENCH_PARTNERS or 100)",
    )
    parser.add_argument(
        "--scale-partners",
        type=int,
        default=int(os.environ.get("BENCH_SCALE_PARTNERS", "30")),
        help="partners of each scaling run, 1/2/4 workers (default: BENCH_SCALE_PARTNERS or 30)",
    )
    parser.add_argument("--samples", type=int, default=40, help="partners timed per asset (default 40)")
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
        from bench.fleet import run_fleet

        print(f"end to end: {args.partners} partners, every template, workers on Redis + PostgreSQL + S3 …",
              flush=True)  # fmt: skip
        with tempfile.TemporaryDirectory(prefix="cobrand-bench-") as workdir:
            results["end_to_end"] = run_fleet(args.partners, args.scale_partners, Path(workdir))
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
