"""The marketing console: server-rendered pages for admin users."""

from flask import Blueprint

bp = Blueprint("console", __name__)

# Importing the page modules registers their routes on bp.
from app.web import views, dashboard, content_pages, campaign_pages, partner_pages  # noqa: E402,F401,I001
from app.web import analytics_pages, program_views, import_pages  # noqa: E402,F401,I001
from app.web import design_pages  # noqa: E402,F401
from app.web import approval_pages, audit_pages  # noqa: E402,F401


def build_old_endpoint(error: Exception, endpoint: str, values: dict[str, object]) -> str:
    """url_for("web.…"): the console's blueprint was called web; its endpoints are console.… now."""
    from flask import url_for

    if endpoint.startswith("web."):
        return url_for(f"console.{endpoint.removeprefix('web.')}", **values)
    raise error
