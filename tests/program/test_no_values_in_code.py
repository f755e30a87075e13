"""Must-show 6: no list of partner types, tiers or regions in code or templates. The program file is
the only place the values are named (sample data, docs, tests and historical migrations aside)."""

from __future__ import annotations

import re

from app.config import PROJECT_ROOT
from app.rendering.program import load_program

SCANNED = ("app", "workers", "bench")
SUFFIXES = {".py", ".html", ".css", ".js", ".toml"}


def test_no_program_value_is_written_in_code_or_templates() -> None:
    program = load_program(PROJECT_ROOT / "partner_program.toml")
    # Slugs and labels (aliases are export spellings such as "VAR" or "SI": too common as words to scan for).
    spellings = {s for d in ("type", "tier", "region") for v in program.values(d) for s in (v.slug, v.label)}
    # A value as a quoted literal ("gold", 'EMEA'), a CSS class (.tier-gold) or a Python name (GOLD =).
    quoted = re.compile("[\"'](" + "|".join(re.escape(s) for s in sorted(spellings, key=len, reverse=True)) + ")[\"']",
                        re.IGNORECASE)  # fmt: skip
    css = re.compile(r"\.(tier|type|region)-[a-z]")
    found = []
    for folder in SCANNED:
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.suffix not in SUFFIXES or "migrations" in path.parts or "__pycache__" in path.parts:
                continue
            for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
                if quoted.search(line) or css.search(line):
                    found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert found == []
