"""The rendering core stays pure: no web framework, queue, cloud SDK or database inside it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import app.rendering

FORBIDDEN = {
    "flask",
    "redis",
    "rq",
    "boto3",
    "botocore",
    "sqlalchemy",
    "werkzeug",
    "app.storage",
    "app.db",
    "app.services",
}
CORE = Path(app.rendering.__file__).parent


def test_core_sources_import_no_io_framework() -> None:
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}" for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)
            ]
    assert offenders == []


def test_importing_and_rendering_loads_no_io_framework() -> None:
    code = (
        "import sys, app.rendering.renderer, app.rendering.lint\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'flask','redis','rq','boto3','sqlalchemy'})\n"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=CORE.parent.parent
    )
    assert out.stdout.strip() == ""
