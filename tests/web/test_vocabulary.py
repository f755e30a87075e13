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


def test_code_docs_and_openapi_say_publish(app: Any) -> None:
    """ "Regenerate" survives only as the documented old names kept for one release."""
    old_names = ("campaign.regenerate", "/regeneration.json")
    sources = [*(PROJECT_ROOT / "app").rglob("*.py"), *(PROJECT_ROOT / "workers").rglob("*.py")]
    sources += [*(PROJECT_ROOT / "docs").glob("*.md"), PROJECT_ROOT / "README.md"]
    found = [
        f"{path.relative_to(PROJECT_ROOT)}: {line.strip()}"
        for path in sources
        for line in path.read_text("utf-8").splitlines()
        if re.search(r"(?i)\bregenerat(e|es|ed|ing|ion)\b", line)
        and not any(name in line for name in old_names)
        and "the command that regenerates it" not in line  # a generated file, not a publish
    ]
    assert found == []
    answer = app.test_client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    spec = answer.get_data(as_text=True)
    assert spec.count("regenerat") == spec.count("campaign.regenerate")
