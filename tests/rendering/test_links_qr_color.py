"""Tracked links, QR codes and colour: the small co-branding rules every renderer shares."""

from __future__ import annotations

from app.rendering.color import brand_logo_variant
from app.rendering.links import tracked_url
from app.rendering.model import CampaignInput, PartnerInput
from app.rendering.qr import qr_svg

PARTNER = PartnerInput(
    slug="acme", name="Acme", type="system_integrator", tier="gold", region="NA", website="acme.example.com"
)


def test_tracked_url_tags_the_landing_url() -> None:
    url = tracked_url(
        PARTNER,
        CampaignInput(slug="spring", landing_url="https://vendor.example.com/spring?ref=x&utm_source=old"),
    )
    assert (
        url
        == "https://vendor.example.com/spring?ref=x&utm_source=acme&utm_medium=system_integrator&utm_campaign=spring"
    )


def test_tracked_url_falls_back_to_the_partner_website() -> None:
    assert tracked_url(PARTNER, CampaignInput(slug="spring")) == (
        "https://acme.example.com/?utm_source=acme&utm_medium=system_integrator&utm_campaign=spring"
    )


def test_logo_variant_by_luminance() -> None:
    assert brand_logo_variant((11, 61, 145)) == "on_dark"
    assert brand_logo_variant((255, 255, 255)) == "primary"
    assert brand_logo_variant((242, 169, 0)) == "primary"


def test_qr_code_is_vector() -> None:
    svg = qr_svg("https://vendor.example.com/x")
    assert svg.startswith(b"<svg") and b"<path" in svg
