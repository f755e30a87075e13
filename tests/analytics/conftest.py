from tests.web.conftest import users  # noqa: F401  (admin and partner users on the sample partners)
