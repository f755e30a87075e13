"""The guard of tests/content_guard.py: it sees a read of the sample content, it covers the core,
service and API folders, and its list of exceptions holds only modules that still read the sample."""

from __future__ import annotations

import re
from pathlib import Path

from app.config import PROJECT_ROOT
from tests import content_guard

TESTS = Path(__file__).resolve().parent
SAMPLE_NAMES = re.compile(
    r"northwind|brand_kits|campaign_templates|sample_data|partner_program\.toml|SAMPLE_CSV|sample_partners"
)


def test_a_read_of_the_sample_content_is_recorded_and_others_are_not(tmp_path: Path) -> None:
    (tmp_path / "own.toml").write_text("x = 1\n")
    opened = content_guard.start()
    try:
        (tmp_path / "own.toml").read_text()
        (PROJECT_ROOT / "partner_program.toml").read_bytes()
        list((PROJECT_ROOT / "brand_kits").iterdir())
    finally:
        assert content_guard.stop() is opened
    assert opened == [str(PROJECT_ROOT / "partner_program.toml"), str(PROJECT_ROOT / "brand_kits")]


def test_the_core_service_and_api_folders_are_guarded_and_the_sample_tests_are_not() -> None:
    for folder in content_guard.GUARDED:
        modules = sorted((TESTS / folder).glob("test_*.py"))
        assert modules, folder
        for module in modules:
            relative = module.relative_to(TESTS).as_posix()
            assert content_guard.is_guarded(module) is (relative not in content_guard.STILL_ON_SAMPLE)
    assert not content_guard.is_guarded(TESTS / "test_sample_content.py")
    assert not any(content_guard.is_guarded(m) for m in (TESTS / "sample").glob("test_*.py"))


def test_apps_built_in_the_service_and_api_folders_read_the_tests_own_content() -> None:
    for folder in ("api", "program", "publishing"):
        conftest = (TESTS / folder / "conftest.py").read_text()
        assert "def make_app(" in conftest and "own_content(make_app, content)" in conftest, folder


def test_each_exception_still_reads_the_sample_content() -> None:
    """When a module moves onto the factories, it leaves STILL_ON_SAMPLE (and the guard covers it)."""
    for relative, reason in content_guard.STILL_ON_SAMPLE.items():
        assert reason and SAMPLE_NAMES.search((TESTS / relative).read_text()), relative


def test_no_guarded_module_names_the_sample_content() -> None:
    """The static half of the guard: a path the audit hook would see only at run time is caught here too."""
    named = [
        f"{module.relative_to(TESTS)}:{number}"
        for folder in content_guard.GUARDED
        for module in sorted((TESTS / folder).glob("*.py"))
        if content_guard.is_guarded(module) or module.name == "conftest.py"
        for number, line in enumerate(module.read_text().splitlines(), start=1)
        if SAMPLE_NAMES.search(line)
    ]
    assert named == []
