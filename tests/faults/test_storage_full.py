"""Faults survived with real services: local storage full.

The storage root lives on a small tmpfs of the test's own, filled with a real file until the kernel
answers ENOSPC; nothing of ours is mocked. A write that does not fit fails with one clear line naming
the storage and that it is full, leaves no temporary file and keeps the old object whole; a publish
on a full storage records that line on every asset, and once space is freed, retrying the failed
assets completes the publish with every asset stored once.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.models import Asset, PublishStatus
from app.publishing import retry_failed, start_publish
from app.storage import StorageFull
from app.storage.local import LocalStorage
from tests.factories import Content
from tests.workers.support import assert_bucket_matches_db, publish_state

VOLUME_BYTES = 4 * 1024 * 1024
"""The tmpfs's size: room for the test partners' logos and a few assets, not for a publish."""


@pytest.fixture
def volume(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs mounted for this test alone (root only: skipped where mounting is not allowed)."""
    mountpoint = tmp_path / "volume"
    mountpoint.mkdir()
    if os.geteuid() != 0:
        pytest.skip("storage-full test: mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={VOLUME_BYTES},mode=0755", "cobrand-full",
                              str(mountpoint)], capture_output=True, text=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"storage-full test: mount -t tmpfs is not permitted here ({mounted.stderr.strip()})")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=True)


def fill(volume: Path, leave: int = 0) -> Path:
    """Fill the volume with one file until no more than leave bytes are free; return the file."""
    filler = volume / "filler"
    stat = os.statvfs(volume)
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, b"\0" * max(0, stat.f_bavail * stat.f_frsize - leave))
        while leave == 0:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc  # the volume is full
    finally:
        os.close(fd)
    return filler


def leftovers(root: Path) -> list[str]:
    """Files a write left behind: temporary files, and sidecars without their object."""
    found = [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name.endswith(".tmp")]
    meta = root / ".meta"
    for sidecar in meta.rglob("*.json") if meta.exists() else []:
        if not (root / str(sidecar.relative_to(meta)).removesuffix(".json")).is_file():
            found.append(str(sidecar.relative_to(root)))
    return found


def test_a_write_that_does_not_fit_fails_in_one_clear_line_and_leaves_the_old_object_whole(
    volume: Path,
) -> None:
    storage = LocalStorage(volume / "storage")
    storage.put("assets/a.pdf", b"%PDF-1 old", content_type="application/pdf", filename="old.pdf")
    fill(volume, leave=16 * 1024)  # room for a sidecar, not for the bytes

    for key in ("assets/a.pdf", "assets/b.pdf"):
        with pytest.raises(StorageFull) as raised:
            storage.put(
                key, b"%PDF-2 " + os.urandom(1024 * 1024), content_type="image/png", filename="new.png"
            )
        message = str(raised.value)
        assert message.startswith("local storage is full: ") and repr(key) in message, message
        assert "\n" not in message and str(volume) not in message  # one line, no server path
        assert isinstance(raised.value, OSError)

    assert leftovers(volume / "storage") == []
    assert storage.open("assets/a.pdf") == b"%PDF-1 old"  # the old object, bytes and headers
    assert storage.describe("assets/a.pdf")["content_type"] == "application/pdf"
    assert storage.describe("assets/a.pdf")["filename"] == "old.pdf"
    assert not storage.exists("assets/b.pdf")
    assert list(storage.list()) == ["assets/a.pdf"]


@pytest.mark.postgres
@pytest.mark.slow
def test_publish_on_full_storage_fails_clearly_then_completes_once_space_is_freed(
    make_app: Any, content: Content, postgres_db: str, volume: Path
) -> None:
    from app.campaigns import save_campaign
    from app.partner_import import import_partners_file

    root = volume / "storage"
    app = make_app(
        **content.config, DATABASE_URL=postgres_db, STORAGE_URL=f"file://{root}", PUBLISH_BATCH_SIZE=2
    )
    services = app.extensions["cobrand"]
    assert import_partners_file(services, content.partners_csv).errors == []  # logos fit
    save_campaign(
        services, {"slug": "full", "template": content.flyer, "brand_kit": content.kit, "title": "Full"}
    )
    filler = fill(volume)

    publish_id = start_publish(services, "full")
    assert services.jobs.wait_idle(120)
    publish = publish_state(services, publish_id)
    assert publish.status == PublishStatus.COMPLETED
    assert publish.total > 0 and publish.failed == publish.total
    with services.db.session() as session:
        errors = [a.error for a in session.query(Asset).filter(Asset.publish_id == publish_id)]
    assert len(errors) == publish.total
    for error in errors:
        assert error and "local storage is full" in error and "\n" not in error, error
        assert str(volume) not in error
    assert leftovers(root) == []
    assert list(services.storage.list("assets/")) == [] and list(services.storage.list("thumbnails/")) == []

    filler.unlink()
    assert retry_failed(services, publish_id) == publish.total
    assert services.jobs.wait_idle(120)
    publish = publish_state(services, publish_id)
    assert publish.status == PublishStatus.COMPLETED
    assert (publish.rendered, publish.failed) == (publish.total, 0)
    assert_bucket_matches_db(services, "full", publish.total)  # every asset stored, none twice
    assert leftovers(root) == []


def test_a_logo_upload_on_full_storage_answers_507_in_one_line_and_keeps_the_old_logo(
    make_app: Any, content: Content, volume: Path
) -> None:
    from app.partner_import import import_partners_file
    from app.partners import get_partner
    from tests.api_support import bearer, make_token
    from tests.factories import png_logo

    root = volume / "storage"
    app = make_app(**content.config, STORAGE_URL=f"file://{root}")
    services = app.extensions["cobrand"]
    assert import_partners_file(services, content.partners_csv).errors == []
    with services.db.session() as session:
        old_logo = get_partner(session, "alpine").logo_key
    assert old_logo and services.storage.exists(old_logo)
    fill(volume)

    logo = png_logo(600, 200, color="#117A65")
    answer = app.test_client().put("/api/v1/partners/alpine/logo", data=logo, content_type="image/png",
                                   headers=bearer(make_token(services)))  # fmt: skip
    assert answer.status_code == 507, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["error"] == "insufficient_storage"
    assert (
        body["message"].startswith("local storage is full: 'partner-logos/") and "\n" not in body["message"]
    )
    assert str(volume) not in answer.get_data(as_text=True)
    with services.db.session() as session:
        assert get_partner(session, "alpine").logo_key == old_logo
    assert services.storage.exists(old_logo) and leftovers(root) == []
