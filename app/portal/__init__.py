"""The partner portal: a partner's own campaigns, assets, field values and profile."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

from app.portal import views, channels, users  # noqa: E402,F401,I001  (registers the routes on bp)
