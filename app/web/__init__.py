"""The marketing console: server-rendered pages for admin users."""

from flask import Blueprint

bp = Blueprint("web", __name__)

# Importing the page modules registers their routes on bp.
from app.web import views, dashboard, content_pages, campaign_pages, partner_pages  # noqa: E402,F401,I001
from app.web import analytics_pages, program_views, import_pages  # noqa: E402,F401,I001
from app.web import design_pages  # noqa: E402,F401
from app.web import approval_pages, audit_pages  # noqa: E402,F401
