"""docs/architecture.md names real modules: every path it names exists, and it names the main ones."""

from __future__ import annotations

import re

from app.config import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "architecture.md"
PATH = re.compile(r"\b((?:app|workers|tests|docs)/[\w/.-]*\w/?)")


def named_paths() -> set[str]:
    return set(PATH.findall(DOC.read_text("utf-8")))


def test_every_path_the_architecture_page_names_exists() -> None:
    missing = sorted(p for p in named_paths() if not (PROJECT_ROOT / p).exists())
    assert missing == []


def test_the_page_names_each_step_of_the_three_flows() -> None:
    text = DOC.read_text("utf-8")
    for heading in (
        "## Layers",
        "## Flow 1: publish",
        "## Flow 2: download",
        "## Flow 3: a webhook triggers a publish",
    ):
        assert heading in text
    for module in ("app/publishing.py", "app/batches.py", "app/downloads.py", "app/api/inbound_webhooks.py",
                   "app/webhooks/processing.py", "app/webhooks/delivery.py", "app/rendering/", "app/storage/"):  # fmt: skip
        assert module in named_paths(), module


def test_a_wrong_path_would_be_caught() -> None:
    assert "app/no_such_module.py" in PATH.findall("see `app/no_such_module.py` here")
    assert not (PROJECT_ROOT / "app/no_such_module.py").exists()


def test_every_package_has_a_readme() -> None:
    packages = [
        p.parent for folder in ("app", "workers") for p in (PROJECT_ROOT / folder).rglob("__init__.py")
    ]
    missing = sorted(str(p.relative_to(PROJECT_ROOT)) for p in packages if not (p / "README.md").is_file())
    assert missing == []
