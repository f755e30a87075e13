from tests.web.conftest import users  # noqa: F401  (signed-in partner fixtures shared with the page tests)
