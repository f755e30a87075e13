"""The page tests' fixtures (signed-in clients, a published campaign), shared with the attack tests."""

from tests.web.conftest import admin, partner, published, users  # noqa: F401  (fixtures)
