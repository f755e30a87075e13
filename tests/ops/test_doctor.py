"""`flask --app wsgi doctor` as an operator runs it (a subprocess), on real databases, a real S3
server (SeaweedFS), a real Redis and the machine's fontconfig narrowed by FONTCONFIG_FILE."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from app import create_app
from app.config import PROJECT_ROOT
from tests.fixtures_app import SAMPLE_CSV

pytestmark = [pytest.mark.s3]

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def fontconfig(tmp_path: Path, *dirs: Path) -> Path:
    """A fontconfig configuration that sees only the fonts in dirs: the machine without a package."""
    conf = tmp_path / "fonts.conf"
    folders = "".join(f"<dir>{d}</dir>" for d in dirs)
    conf.write_text(
        f'<?xml version="1.0"?><fontconfig>{folders}<cachedir>{tmp_path / "fc-cache"}</cachedir></fontconfig>'
    )
    return conf


def doctor(env: dict[str, str]) -> tuple[int, list[str]]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TEST_", "PYTEST", "FONTCONFIG"))
    }
    result = subprocess.run([str(PROJECT_ROOT / ".venv/bin/flask"), "--app", "wsgi", "doctor"], cwd=PROJECT_ROOT,
                            env={**base, **env}, capture_output=True, text=True, timeout=300)  # fmt: skip
    return result.returncode, (result.stdout + result.stderr).splitlines()


def line_for(lines: list[str], name: str) -> str:
    found = [line for line in lines if line.split(":", 1)[0].split(None, 1)[-1] == name]
    assert len(found) == 1, (name, lines)
    return found[0]


@pytest.fixture
def s3_env(s3_endpoint: str, s3_credentials: dict[str, str]) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": s3_credentials["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": s3_credentials["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": s3_credentials["region_name"],
        "AWS_EC2_METADATA_DISABLED": "true",
        "S3_ENDPOINT_URL": s3_endpoint,
    }


def test_doctor_reports_a_missing_bucket_and_a_pending_migration(tmp_path, s3_env) -> None:
    bucket = f"missing-{uuid.uuid4().hex[:12]}"
    status, lines = doctor({
        **s3_env,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'never-migrated.db'}",
        "STORAGE_URL": f"s3://{bucket}/cobrand",
        "COBRAND_VAR_DIR": str(tmp_path / "var"),
    })  # fmt: skip
    assert status == 1, lines
    database = line_for(lines, "database")
    assert database.startswith("FAIL") and "migrations pending (at no schema; head " in database
    assert database.endswith("— fix: run `flask --app wsgi init-db`")
    storage = line_for(lines, "storage")
    assert storage.startswith("FAIL") and f"bucket {bucket!r} does not exist" in storage
    assert f"— fix: create it (`aws s3 mb s3://{bucket}`)" in storage
    assert line_for(lines, "weasyprint").startswith("ok")
    assert "2 problem(s) found" in lines


def test_doctor_names_the_font_package_a_partners_script_needs(tmp_path) -> None:
    from app.partner_import import import_partners_file

    database_url = f"sqlite:///{tmp_path / 'cobrand.db'}"
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "STORAGE_URL": f"file://{tmp_path / 'storage'}",
            "SECRET_KEY": "x" * 40,
        }
    )
    services = app.extensions["cobrand"]
    services.db.upgrade()
    assert import_partners_file(services, SAMPLE_CSV).errors == []  # sakura-digital writes ja-JP
    services.db.dispose()
    status, lines = doctor({
        "DATABASE_URL": database_url,
        "STORAGE_URL": f"file://{tmp_path / 'storage'}",
        "FONTCONFIG_FILE": str(fontconfig(tmp_path, DEJAVU)),
        "COBRAND_VAR_DIR": str(tmp_path / "var"),
    })  # fmt: skip
    assert status == 1, lines
    assert line_for(lines, "fonts (japanese)") == (
        "FAIL  fonts (japanese): no installed font draws Japanese for kit northwind (fallback: Noto Sans CJK JP)"
        " — fix: apt-get install fonts-noto-cjk"
    )
    for script in ("latin", "greek", "cyrillic"):  # el-GR and bg-BG partners: the kit's own Inter draws them
        assert line_for(lines, f"fonts ({script})").startswith("ok"), lines
    assert [line for line in lines if line.startswith("FAIL")] == [line_for(lines, "fonts (japanese)")]


@pytest.mark.postgres
@pytest.mark.redis
def test_doctor_passes_on_the_test_setup(
    tmp_path, s3_env, s3_bucket, postgres_db, redis_url, redis_conn, monkeypatch
) -> None:
    from app.partner_import import import_partners_file

    env = {
        **s3_env,
        "DATABASE_URL": postgres_db,
        "STORAGE_URL": f"s3://{s3_bucket}/cobrand",
        "REDIS_URL": redis_url,
        "SECRET_KEY": "doctor-test-secret-key-0123456789abcdef",
        "SESSION_COOKIE_SECURE": "true",
        "WEBHOOK_SECRETS": "prm=0123456789abcdef0123,git=fedcba9876543210fedc",
        "COBRAND_VAR_DIR": str(tmp_path / "var"),
    }
    config: dict[str, Any] = {k: env[k] for k in ("DATABASE_URL", "STORAGE_URL", "SECRET_KEY")}
    for k, v in s3_env.items():
        if k.startswith("AWS_"):
            monkeypatch.setenv(k, v)
    app = create_app({**config, "S3_ENDPOINT_URL": s3_env["S3_ENDPOINT_URL"], "REDIS_URL": None})
    services = app.extensions["cobrand"]
    services.db.upgrade()
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    services.db.dispose()
    status, lines = doctor(env)
    assert status == 0, "\n".join(lines)
    assert lines[-1] == "all checks passed"
    assert all(line.startswith("ok  ") for line in lines[:-1]), lines
    assert "presigned download URL returns the object" in line_for(lines, "presigned URLs")
    assert "the same as the other servers'" in line_for(lines, "SECRET_KEY")
    assert line_for(lines, "fonts (japanese)").startswith("ok")

    # A second server with another key is caught: the first one's digest is in Redis.
    status, lines = doctor({**env, "SECRET_KEY": "another-servers-secret-key-0123456789ab"})
    assert status == 1
    assert "differs from the one the other servers use" in line_for(lines, "SECRET_KEY")
