"""deploy/: the systemd units pass `systemd-analyze verify` and the example environment names only
settings the app reads. (tests/ops/test_gunicorn.py runs the units' commands and nginx's config.)"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from tests.ops.deploy_support import CHECKOUT, DEPLOY, example_env


@pytest.mark.parametrize("unit, installed", [("cobrand-web.service", "cobrand-web.service"),
                                             ("cobrand-worker@.service", "cobrand-worker@1.service")])  # fmt: skip
def test_systemd_units_verify(unit: str, installed: str, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze not found (Debian's systemd package provides it)")
    text = (DEPLOY / unit).read_text().replace(CHECKOUT, str(PROJECT_ROOT))
    text = text.replace("/etc/cobrand/cobrand.env", str(DEPLOY / "cobrand.env.example"))
    (tmp_path / installed).write_text(text)
    result = subprocess.run([analyze, "verify", str(tmp_path / installed)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_a_broken_unit_fails_verification(tmp_path: Path) -> None:
    """The check above can fail: a unit whose program does not exist is refused."""
    text = (DEPLOY / "cobrand-web.service").read_text().replace(CHECKOUT, "/nonexistent/cobrand")
    (tmp_path / "cobrand-web.service").write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "cobrand-web.service")],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode != 0 and "is not executable" in result.stderr


def test_the_example_environment_names_only_settings_the_app_reads() -> None:
    read = (PROJECT_ROOT / "app" / "config.py").read_text() + (PROJECT_ROOT / "gunicorn.conf.py").read_text()
    for name in example_env():
        if name.startswith("AWS_"):
            continue  # read by boto3 itself
        # A setting is a field of app.config.Settings (NAME: type); gunicorn.conf.py reads its own by name.
        declared = rf"^\s+{name}: |[\"']{name}[\"']"
        assert re.search(declared, read, re.M), f"deploy/cobrand.env.example: {name} is read by nothing"


def test_every_deploy_file_says_what_exercised_it() -> None:
    for path in DEPLOY.iterdir():
        assert "Exercised by:" in path.read_text(), f"{path.name} does not say which test exercised it"
