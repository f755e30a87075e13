"""Apps here read the tests' own content root (tests/factories.py), never the sample vendor's."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.factories import Content
from tests.fixtures_app import own_content


@pytest.fixture
def make_app(make_app: Callable[..., Flask], content: Content) -> Callable[..., Flask]:
    return own_content(make_app, content)
