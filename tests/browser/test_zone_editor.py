"""The zone editor in headless Chromium: upload a design, draw zones with the mouse, move one with
the keyboard, save, and watch the partner preview follow."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from app.auth.users import create_user
from app.config import PROJECT_ROOT
from app.models import DesignTemplate, UserRole
from app.partner_import import import_partners_file
from tests.browser.conftest import ADMIN, LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser
MASTER = PROJECT_ROOT / "campaign_templates" / "design-flyer" / "flyer.pdf"


@pytest.fixture(scope="module")
def editor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("zones")
    app = create_app({"SECRET_KEY": "browser-test", "DATABASE_URL": f"sqlite:///{tmp / 'cobrand.db'}",
                      "STORAGE_URL": f"file://{tmp / 'storage'}", "REDIS_URL": None,
                      "DESIGN_CACHE_DIR": str(tmp / "designs")})  # fmt: skip
    services = app.extensions["cobrand"]
    services.db.upgrade()
    assert not import_partners_file(services, PROJECT_ROOT / "sample_data" / "partners.csv").errors
    with services.db.session() as session:
        create_user(session, ADMIN[0], UserRole.ADMIN, password=ADMIN[1])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        services.db.dispose()


def drag(
    page: Any,
    svg: Any,
    start_mm: tuple[float, float],
    end_mm: tuple[float, float],
    size_mm: tuple[float, float],
) -> None:
    # A resized viewport lays the page out again on the next frames: measure the page after them.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    box = svg.bounding_box()
    viewport = page.viewport_size
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], ("not all on screen", box)
    sx, sy = box["width"] / size_mm[0], box["height"] / size_mm[1]
    page.mouse.move(box["x"] + start_mm[0] * sx, box["y"] + start_mm[1] * sy)
    page.mouse.down()
    page.mouse.move(
        box["x"] + (start_mm[0] + end_mm[0]) / 2 * sx, box["y"] + (start_mm[1] + end_mm[1]) / 2 * sy, steps=4
    )
    page.mouse.move(box["x"] + end_mm[0] * sx, box["y"] + end_mm[1] * sy, steps=4)
    page.mouse.up()


def preview_generation(page: Any) -> int:
    return int(page.locator("#zone-editor").get_attribute("data-preview-generation") or 0)


def test_draw_two_zones_move_one_with_the_keyboard_save_and_preview(
    page: Any, editor_server: LiveServer
) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, editor_server, *ADMIN)
    page.goto(f"{editor_server.url}/templates")
    page.get_by_role("link", name="Upload a design").click()
    page.get_by_label("Design file").set_input_files(str(MASTER))
    page.get_by_label("Slug").fill("partner-flyer")
    page.get_by_label("Title").fill("Partner flyer")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Co-brand zones: Partner flyer")).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.ze-page img')].every(i => i.complete && i.naturalWidth > 0)"
    )

    page.set_viewport_size({"width": 1280, "height": 1400})  # the whole A4 page on screen for the mouse
    svg = page.locator(".ze-page svg").first
    page.get_by_label("New zones are").select_option("name")
    drag(page, svg, (15, 258), (140, 267), (210, 297))
    page.get_by_label("New zones are").select_option("qr")
    drag(page, svg, (160, 240), (196, 276), (210, 297))
    buttons = page.locator(".ze-zone-button")
    assert [e for e in errors if "favicon" not in e and "404" not in e] == []
    expect(buttons).to_have_count(2)
    expect(buttons.nth(0)).to_contain_text("name · page 1")
    expect(buttons.nth(1)).to_contain_text("qr · page 1")

    # The keyboard: select the name zone, move it 3 mm right and 2 mm down, widen it by 1 mm.
    buttons.nth(0).click()
    before = json.loads(page.locator("#ze-zones-input").input_value())[0]
    for key in ("ArrowRight", "ArrowRight", "ArrowRight", "ArrowDown", "ArrowDown", "Shift+ArrowRight"):
        page.keyboard.press(key)
    after = json.loads(page.locator("#ze-zones-input").input_value())[0]
    assert after["x_mm"] == pytest.approx(before["x_mm"] + 3, abs=0.01)
    assert after["y_mm"] == pytest.approx(before["y_mm"] + 2, abs=0.01)
    assert after["width_mm"] == pytest.approx(before["width_mm"] + 1, abs=0.01)
    assert 14 <= before["x_mm"] <= 16 and 257 <= before["y_mm"] <= 259  # drawn where the mouse went

    # The live preview follows the zones, then the partner chosen.
    page.wait_for_function(
        "() => document.querySelector('#zone-editor').dataset.previewState === 'ready'", timeout=60_000
    )
    worst_case = page.locator("#ze-preview").get_attribute("src")
    generation = preview_generation(page)
    page.get_by_label("Partner", exact=True).select_option("summit-it")
    page.wait_for_function(f"() => Number(document.querySelector('#zone-editor').dataset.previewGeneration) > {generation}"
                           " && document.querySelector('#zone-editor').dataset.previewState === 'ready'", timeout=60_000)  # fmt: skip
    expect(page.locator(".ze-preview-status")).to_contain_text("Summit")
    assert page.locator("#ze-preview").get_attribute("src") != worst_case
    assert page.evaluate("() => document.querySelector('#ze-preview').naturalWidth") == 560

    page.get_by_role("button", name="Save zones").click()
    expect(page.locator(".flash")).to_contain_text("Zones saved")
    with editor_server.services.db.session() as session:
        row = session.scalar(select(DesignTemplate).where(DesignTemplate.slug == "partner-flyer"))
        saved = row.manifest["zones"]
    assert [z["kind"] for z in saved] == ["name", "qr"]
    assert saved[0]["x_mm"] == pytest.approx(after["x_mm"]) and saved[0]["width_mm"] == pytest.approx(
        after["width_mm"]
    )
    # After saving, the page comes back with the partner's preview of the saved version.
    expect(page.get_by_label("Partner", exact=True)).to_have_value("summit-it")
    page.wait_for_function(
        "() => document.querySelector('#zone-editor').dataset.previewState === 'ready'", timeout=60_000
    )
    expect(page.locator(".ze-preview-status")).to_contain_text("Summit")
    screenshot(page, "zone-editor")

    # At phone width the editor is one column, nothing scrolls sideways, and zones still move.
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    page.locator(".ze-zone-button").nth(1).click()
    page.keyboard.press("ArrowUp")
    moved = json.loads(page.locator("#ze-zones-input").input_value())[1]
    assert moved["y_mm"] == pytest.approx(saved[1]["y_mm"] - 1, abs=0.01)


def test_upload_with_an_audience_and_an_editable_field(page: Any, editor_server: LiveServer) -> None:
    sign_in(page, editor_server, *ADMIN)
    page.goto(f"{editor_server.url}/templates/upload")
    page.get_by_label("Design file").set_input_files(str(MASTER))
    page.get_by_label("Slug").fill("emea-flyer")
    page.get_by_label("Title").fill("EMEA flyer")
    page.get_by_label("Or: this tier and above").select_option("gold")
    page.get_by_label("Countries").fill("DE, FR")
    page.get_by_label("Name", exact=True).fill("offer")
    page.get_by_label("Label").fill("Local offer")
    page.get_by_label("Maximum length").fill("40")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name="Co-brand zones: EMEA flyer")).to_be_visible()
    with editor_server.services.db.session() as session:
        row = session.scalar(select(DesignTemplate).where(DesignTemplate.slug == "emea-flyer"))
        assert row.manifest["audience"]["min_tier"] == "gold" and row.manifest["audience"]["countries"] == [
            "DE",
            "FR",
        ]
        assert row.manifest["editable"] == {
            "offer": {"label": "Local offer", "max_length": 40, "default": ""}
        }
    page.goto(f"{editor_server.url}/templates/upload")
    page.get_by_label("Design file").set_input_files(str(PROJECT_ROOT / "README.md"))
    page.get_by_label("Slug").fill("not-a-design")
    page.get_by_label("Title").fill("Not a design")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "README.md: refused: the file is not a PDF, PNG, JPEG or WebP file"
    )
