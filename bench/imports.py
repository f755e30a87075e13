"""Importing a PRM export: 10,000 rows with file logos, through `import_partners_file`.

Runs in a fresh process (so its peak RSS is the import's, not the rest of the benchmark's) on the
embedded defaults: SQLite and local storage in a temporary folder. The export is written as a
vendor's would be (BOM, CRLF, Salesforce-style headers, tiers and types as exports spell them,
multi-line addresses); its logos are the 12 sample logos, each row pointing at one of them.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["Account Name", "Partner Level", "Partner Type", "Billing Country", "Billing Address", "Website",
           "Partner Marketing Email", "Phone", "Logo"]  # fmt: skip


def write_export(folder: Path, rows: int) -> Path:
    """A Salesforce-style export of rows partners whose values are the program's labels and aliases."""
    sys.path.insert(0, str(ROOT))
    from app.rendering.program import load_program

    program = load_program(ROOT / "partner_program.toml")
    logos = sorted((ROOT / "sample_data" / "logos").iterdir())
    shutil.copytree(ROOT / "sample_data" / "logos", folder / "logos")
    countries = [c for region in program.regions for c in region.countries[:3]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for i in range(rows):
        tier, kind = program.tiers[i % len(program.tiers)], program.types[i % len(program.types)]
        writer.writerow([
            f"Bench Partner {i:05d} Networks", (tier.aliases or (tier.label,))[0], kind.label,
            countries[i % len(countries)], f"{i} Example Street\nSuite {i % 50}",
            f"https://bench-{i:05d}.example.com", f"sales@bench-{i:05d}.example.com", f"+1 555 {i % 10000:04d}",
            f"logos/{logos[i % len(logos)].name}",
        ])  # fmt: skip
    path = folder / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode())
    return path


def _peak_rss_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def import_child(rows: int) -> dict[str, Any]:
    """In a fresh process: write the export, import it once, report seconds and peak RSS."""
    sys.path.insert(0, str(ROOT))
    from app.partner_import import import_partners_file
    from app.services import build_services

    with tempfile.TemporaryDirectory(prefix="cobrand-bench-import-") as work:
        folder = Path(work)
        export = write_export(folder / "export", rows)
        services = build_services({
            "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "STORAGE_URL": f"file://{folder / 'storage'}",
            "REDIS_URL": None, "SECRET_KEY": "bench",
        })  # fmt: skip
        services.db.upgrade()
        before = _peak_rss_mib()
        started = time.perf_counter()
        report = import_partners_file(services, export)
        seconds = time.perf_counter() - started
        services.db.dispose()
    return {
        "rows": rows,
        "import_s": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "created": report.created,
        "rejected": report.rejected,
        "logo_problems": len(report.logo_problems),
        "peak_rss_mib": round(_peak_rss_mib(), 1),
        "rss_before_mib": round(before, 1),
    }


def bench_import(rows: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", str(rows)], cwd=ROOT, capture_output=True,
                          text=True, timeout=3600)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"import run failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["import_10000_s"] = round(result["import_s"] * 10_000 / rows, 1)
    return result


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    print(json.dumps(import_child(int(sys.argv[2]))))
