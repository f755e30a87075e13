"""One word per concept: publish (never regenerate or run) in the UI, brand_kit (?kit= kept as the old
name), the console's blueprint `console` (old `web.` endpoint names still build), "completed"."""

from __future__ import annotations

import re
from typing import Any

from flask import url_for

from app.config import PROJECT_ROOT
from tests.web.conftest import ADMIN, login

TEMPLATES = PROJECT_ROOT / "app" / "templates"


def test_templates_say_publish_and_brand_kit() -> None:
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text("utf-8")
        for word in re.findall(
            r"(?i)regenerat\w*|generate my version|publish run|name=\"kit\"|url_for\([^)]*\bkit=|\?kit=|\.finished\b",
            text,
        ):
            found.append(f"{path.relative_to(TEMPLATES)}: {word}")
    assert found == []


def test_old_console_endpoint_names_still_build(app: Any) -> None:
    with app.test_request_context():
        assert url_for("web.home") == url_for("console.home") == "/"
        assert url_for("web.template_detail", slug="x") == url_for("console.template_detail", slug="x")


def test_brand_kit_parameter_and_its_old_name(client: Any, users: Any) -> None:
    kits = users.content.brand_kit_slugs()
    template = users.content.template_slugs()[0]
    login(client, *ADMIN)
    for parameter in ("brand_kit", "kit"):
        page = client.get(f"/templates/{template}?{parameter}={kits[-1]}").get_data(as_text=True)
        assert f"<option selected>{kits[-1]}</option>" in page, parameter
        assert f"brand_kit={kits[-1]}" in page  # the preview images ask with the new name
