"""The partner portal: a partner's own campaigns, assets, field values and profile."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

from app.portal import views  # noqa: E402,F401  (registers the routes on bp)
