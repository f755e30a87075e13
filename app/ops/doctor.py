"""`flask --app wsgi doctor`: check every dependency and setting, one line each with its fix.

Exit status 1 when any check fails. "Production" below means a shared database (anything but
SQLite) or a reverse proxy in front (TRUSTED_PROXIES): several processes or machines serve one
site, so settings that are harmless on a laptop matter there.
"""

from __future__ import annotations

import ctypes
import hashlib
import hmac
import os
import shutil
import sys
import urllib.request
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.config import VAR_DIR, Settings
from app.ops.health import Check, _error, _redis_client, check_database, check_redis
from app.services import Services

SECRET_DIGEST_KEY = "cobrand:secret-key-digest"
"""Redis key where the first server records a digest of its SECRET_KEY, for the others to compare."""

MIN_WEBHOOK_SECRET = 16

SAMPLES: dict[str, tuple[str, str]] = {
    "latin": ("Cobrand Partner", "en"), "greek": ("Ελληνικά", "el"), "cyrillic": ("Кириллица", "ru"),
    "arabic": ("العربية", "ar"), "hebrew": ("עברית", "he"), "devanagari": ("हिन्दी", "hi"),
    "thai": ("ภาษาไทย", "th"), "japanese": ("日本語のテキスト", "ja"), "korean": ("한국어", "ko"),
    "chinese-simplified": ("简体中文", "zh-CN"), "chinese-traditional": ("繁體中文", "zh-TW"),
}  # fmt: skip
"""A few words of each script (app/rendering/fonts.SCRIPTS): what each brand kit's fonts must draw."""

_LANGUAGE_SAMPLES = {"el": "Ω", "ru": "Ж", "bg": "Ж", "uk": "Ж", "sr": "Ж", "ar": "ع", "fa": "ع", "he": "ש",
                     "hi": "ह", "th": "ก", "ja": "日本", "ko": "한", "zh": "中"}  # fmt: skip
"""A character of the script a partner's language is written in (its copy comes in that script)."""


def is_production(config: Settings) -> bool:
    return not config.DATABASE_URL.startswith("sqlite") or bool(config.TRUSTED_PROXIES)


# --- storage -------------------------------------------------------------------------------------


def check_storage(services: Services) -> list[Check]:
    storage = services.storage
    bucket = getattr(storage, "bucket", None)
    if bucket is None:
        return _check_local_storage(services)
    client = storage.client  # type: ignore[attr-defined]
    try:
        client.head_bucket(Bucket=bucket)
    except Exception as exc:  # ok: 404, 403 or no answer: each reported with its cause
        missing = "404" in str(exc) or "Not Found" in str(exc) or "NoSuchBucket" in str(exc)
        detail = f"bucket {bucket!r} does not exist" if missing else f"bucket {bucket!r}: {_error(exc)}"
        fix = (f"create it (`aws s3 mb s3://{bucket}`) or correct STORAGE_URL" if missing
               else "check S3_ENDPOINT_URL, the credentials and the bucket's policy")  # fmt: skip
        return [Check("storage", False, detail, fix)]
    key = f"health/doctor-{os.getpid()}.txt"
    data = b"cobrand doctor"
    try:
        storage.put(key, data, content_type="text/plain")
        written = storage.open(key) == data
    except Exception as exc:  # ok: denied or failing writes are the finding
        return [Check("storage", False, f"bucket {bucket!r} is not writeable ({_error(exc)})",
                      "grant s3:PutObject, s3:GetObject and s3:DeleteObject on the bucket")]  # fmt: skip
    checks = [Check("storage", written, f"bucket {bucket!r} exists and is writeable",
                    "" if written else "check that nothing rewrites objects under the prefix")]  # fmt: skip
    try:
        url = storage.url_for_download(key) or ""
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (the configured S3 endpoint)
            fetched = response.read()
        ok = fetched == data
        checks.append(Check("presigned URLs", ok, "a presigned download URL returns the object" if ok
                            else "a presigned download URL returned other bytes", "" if ok else
                            "check the endpoint and any proxy in front of S3"))  # fmt: skip
    except Exception as exc:  # ok: a 403 (clock skew, wrong region) or no route: the finding itself
        checks.append(Check("presigned URLs", False, f"a presigned download URL fails ({_error(exc)})",
                            "check the clock (signatures expire), AWS_DEFAULT_REGION and S3_ENDPOINT_URL as "
                            "browsers reach it"))  # fmt: skip
    finally:
        storage.delete(key)
    return checks


def _check_local_storage(services: Services) -> list[Check]:
    root = Path(getattr(services.storage, "root", VAR_DIR))
    key = f"health/doctor-{os.getpid()}.txt"
    try:
        services.storage.put(key, b"cobrand doctor", content_type="text/plain")
        services.storage.delete(key)
        checks = [Check("storage", True, f"folder {root} is writeable")]
    except OSError as exc:
        checks = [Check("storage", False, f"folder {root} is not writeable ({_error(exc)})",
                        "create the folder and give the service user write access, or correct STORAGE_URL")]  # fmt: skip
    checks.append(check_disk(root, services.config.DOCTOR_MIN_FREE_MB))
    return checks


def check_disk(path: Path, min_free_mb: int) -> Check:
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("/"))
    free_mb = shutil.disk_usage(existing).free // (1024 * 1024)
    ok = free_mb >= min_free_mb
    return Check("disk", ok, f"{free_mb} MiB free for local storage at {existing} (want {min_free_mb})",
                 "" if ok else "free space, move STORAGE_URL to a larger disk, or use S3")  # fmt: skip


# --- rendering libraries and fonts ---------------------------------------------------------------


def check_weasyprint() -> list[Check]:
    checks = []
    try:
        import weasyprint

        checks.append(Check("weasyprint", True, f"WeasyPrint {weasyprint.__version__} loads Pango"))
    except OSError as exc:
        checks.append(Check("weasyprint", False, f"WeasyPrint cannot load its libraries ({_error(exc)})",
                            "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1"))  # fmt: skip
    try:
        ctypes.CDLL("libharfbuzz-subset.so.0")
        checks.append(
            Check("harfbuzz-subset", True, "libharfbuzz-subset0 present (fonts embedded as subsets)")
        )
    except OSError:
        checks.append(Check("harfbuzz-subset", False, "libharfbuzz-subset.so.0 missing: PDFs embed whole fonts",
                            "apt-get install libharfbuzz-subset0"))  # fmt: skip
    return checks


def scripts_in_use(services: Services) -> set[str]:
    """Scripts the partners' languages, names and addresses are written in (Latin always)."""
    from app.models import Partner
    from app.rendering.fonts import text_scripts

    scripts = {"latin"}
    with services.db.session() as session:
        for locale, name, address in session.execute(select(Partner.locale, Partner.name, Partner.address)):
            language = (locale or "").replace("_", "-").split("-")[0].lower()
            text = f"{name} {address or ''} {_LANGUAGE_SAMPLES.get(language, '')}"
            scripts.update(text_scripts(text, locale or ""))
    return scripts & set(SAMPLES)


def package_for(family: str) -> str | None:
    """The Debian package that installs a fallback family of the default chains."""
    if family.startswith("Noto") and "CJK" in family:
        return "fonts-noto-cjk"
    if family.startswith("Noto"):
        return "fonts-noto-core"
    if family.startswith("DejaVu"):
        return "fonts-dejavu-core"
    return None


def check_fonts(services: Services, scripts: set[str]) -> list[Check]:
    """Every brand kit draws every script in use: with its own fonts or its fallback chain's
    (brand.toml [font_fallback], then the Noto defaults), as installed on this machine."""
    from app.rendering.fonts import SCRIPT_LABELS, fallback_families, script_uses

    content = services.content
    kits = [content.brand_kit(slug) for slug in content.brand_kit_slugs()]
    checks = []
    for script in sorted(scripts):
        text, locale = SAMPLES[script]
        label = SCRIPT_LABELS[script]
        missing: list[tuple[str, tuple[str, ...]]] = []
        faces: set[str] = set()
        for kit in kits:
            uses = [use for use in script_uses(kit, text, locale) if use.script == script]
            if any(use.source == "missing" for use in uses):
                missing.append((kit.slug, fallback_families(kit, script)[0]))
            faces.update(use.face.family for use in uses if use.face is not None)
        if not missing:
            checks.append(
                Check(f"fonts ({script})", True, f"{label} drawn with {', '.join(sorted(faces)) or 'no kit'}")
            )
            continue
        families = sorted({family for _, chain in missing for family in chain})
        packages = sorted({p for p in map(package_for, families) if p})
        kits_text = ", ".join(slug for slug, _ in missing)
        fix = (f"apt-get install {' '.join(packages)}" if packages
               else f"install {', '.join(families) or 'a font for it'}, or name one in brand.toml [font_fallback].{script}")  # fmt: skip
        checks.append(Check(f"fonts ({script})", False,
                            f"no installed font draws {label} for kit {kits_text} (fallback: {', '.join(families) or 'none'})",
                            fix))  # fmt: skip
    return checks


# --- settings ------------------------------------------------------------------------------------


def check_secret_key(services: Services) -> Check:
    config = services.config
    key = config.SECRET_KEY
    local = VAR_DIR / "secret_key"
    from_file = local.exists() and local.read_text().strip() == key
    if not is_production(config):
        return Check("SECRET_KEY", bool(key), "set" + (f" (made once in {local})" if from_file else ""),
                     "" if key else "set SECRET_KEY")  # fmt: skip
    if not key or from_file:
        return Check("SECRET_KEY", False, "not set in the environment: each machine makes its own, so "
                     "sessions break across servers", "set the same random SECRET_KEY (`python -c 'import "
                     "secrets; print(secrets.token_hex(32))'`) on every web server")  # fmt: skip
    if len(key) < 32:
        return Check("SECRET_KEY", False, f"only {len(key)} characters", "use at least 32 random characters")
    if not config.REDIS_URL:
        return Check("SECRET_KEY", True, "set from the environment")
    digest = hmac.new(key.encode(), b"cobrand-secret-key-check", hashlib.sha256).hexdigest()
    try:
        client = _redis_client(config.REDIS_URL)
        client.set(SECRET_DIGEST_KEY, digest, nx=True)
        shared = (client.get(SECRET_DIGEST_KEY) or b"").decode() == digest
    except Exception as exc:  # ok: Redis has its own line; this one says what could not be compared
        return Check("SECRET_KEY", False, f"set, but not compared with other servers ({_error(exc)})",
                     "bring Redis back, then run doctor again")  # fmt: skip
    if not shared:
        return Check("SECRET_KEY", False, "differs from the one the other servers use",
                     f"set the same SECRET_KEY everywhere (after a rotation: DEL {SECRET_DIGEST_KEY} in Redis)")  # fmt: skip
    return Check("SECRET_KEY", True, "set from the environment, and the same as the other servers'")


def check_cookie_secure(config: Settings) -> Check:
    secure = config.SESSION_COOKIE_SECURE
    if secure:
        return Check("SESSION_COOKIE_SECURE", True, "true: session cookies travel over HTTPS only")
    if is_production(config):
        return Check("SESSION_COOKIE_SECURE", False, "false in production: session cookies may travel over HTTP",
                     "serve HTTPS at the reverse proxy and set SESSION_COOKIE_SECURE=true")  # fmt: skip
    return Check("SESSION_COOKIE_SECURE", True, "false (development over plain HTTP)")


def check_webhook_secrets(config: Settings) -> Check:
    from app.webhooks.signing import parse_secrets

    raw = config.WEBHOOK_SECRETS
    secrets = parse_secrets(raw)
    malformed = [item.strip() for item in raw.split(",") if item.strip() and item.strip().partition("=")[0].strip()
                 not in secrets]  # fmt: skip
    if malformed:
        names = ", ".join(item.partition("=")[0] or "?" for item in malformed)
        return Check(
            "WEBHOOK_SECRETS",
            False,
            f"not source=secret: {names}",
            "write WEBHOOK_SECRETS as prm=<secret>,git=<secret>",
        )
    weak = sorted(source for source, secret in secrets.items() if len(secret) < MIN_WEBHOOK_SECRET)
    if weak:
        return Check("WEBHOOK_SECRETS", False, f"shorter than {MIN_WEBHOOK_SECRET} characters: {', '.join(weak)}",
                     "use long random secrets (`openssl rand -hex 32`), the same at the sender")  # fmt: skip
    if not secrets:
        return Check("WEBHOOK_SECRETS", True, "none set: inbound webhooks are refused")
    return Check("WEBHOOK_SECRETS", True, f"set for {', '.join(sorted(secrets))}")


# --- the command ---------------------------------------------------------------------------------


def run_checks(services: Services) -> list[Check]:
    """Every check, in the order an operator would fix things."""
    from sqlalchemy.exc import SQLAlchemyError

    checks = [check_database(services), check_redis(services), *check_storage(services), *check_weasyprint()]
    try:
        scripts = scripts_in_use(services)
    except SQLAlchemyError:  # no database or no partners table yet: the database line says why
        scripts = {"latin"}
    checks += check_fonts(services, scripts)
    checks += [check_secret_key(services), check_cookie_secure(services.config),
               check_webhook_secrets(services.config)]  # fmt: skip
    return checks


def format_check(check: Check) -> str:
    line = f"{'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}"
    return line if check.ok or not check.fix else f"{line} — fix: {check.fix}"


@click.command("doctor")
@with_appcontext
def doctor() -> None:
    """Check every dependency and setting; one line each with its fix; exit 1 on any problem."""
    checks = run_checks(current_app.extensions["cobrand"])
    for check in checks:
        click.echo(format_check(check))
    failed = [c for c in checks if not c.ok]
    if failed:
        click.echo(f"{len(failed)} problem(s) found", err=True)
        sys.exit(1)
    click.echo("all checks passed")


def register_doctor(app: Flask) -> None:
    """Add `flask doctor`."""
    app.cli.add_command(doctor)
