"""The partner portal: a partner's own campaigns, assets, field values and profile."""

from flask import Blueprint

from app.portal.asset_urls import AssetUrls

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.context_processor
def _asset_urls() -> dict[str, object]:
    return {"asset_url": AssetUrls()}  # one per page: it keeps what it built for this request


from app.portal import views, channels, users  # noqa: E402,F401,I001  (registers the routes on bp)
