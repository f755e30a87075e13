"""Social posts: each network's text within its limit, with the short link, for the worst-case partner."""

from __future__ import annotations

import json

import pytest

from app.config import PROJECT_ROOT
from app.rendering.brand_kit import load_brand_kit
from app.rendering.model import CampaignInput, PartnerInput
from app.rendering.renderer import Renderer
from app.rendering.social import LIMITS, compose, post_length, x_length
from app.rendering.template import load_template

LINK = "https://go.northwind.example/r/Zx81QpLm02"
NAMES = {
    "sample": "Summit IT Solutions",
    "latin-110": (
        "Very Long Partner Name Systems Integration and Managed Services International Holdings "
        "GmbH & Co. KG Europe"
    )[:110],  # fmt: skip
    "cjk-110": "北風ネットワーク認定パートナー株式会社" * 6,
}


@pytest.fixture(scope="module")
def render():
    renderer = Renderer()
    kit = load_brand_kit(PROJECT_ROOT / "brand_kits" / "northwind")
    template = load_template(PROJECT_ROOT / "campaign_templates" / "social-launch")

    def make(name: str) -> dict:
        partner = PartnerInput(slug="p", name=name[:110], type="reseller", tier="gold", region="emea")
        campaign = CampaignInput(slug="launch", landing_url="https://northwind.example.com/launch",
                                 links={"social": LINK, "qr": LINK + "q"})  # fmt: skip
        rendered = renderer.render_one(kit, template, partner, campaign, "social-post")
        assert (rendered.content_type, rendered.extension) == ("application/json", "json")
        return json.loads(rendered.data)

    return make


@pytest.mark.parametrize("case", sorted(NAMES))
def test_every_network_gets_a_post_within_its_limit_with_the_short_link(render, case) -> None:
    name = NAMES[case][:110]
    post = render(name)
    assert post["link"] == LINK
    assert set(post["text"]) == {"linkedin", "x", "facebook"}
    for network, text in post["text"].items():
        assert post_length(network, text) <= LIMITS[network], (network, post_length(network, text))
        assert LINK in text
    assert name in post["text"]["linkedin"]  # the long texts have room for any name
    assert "#ZeroTrust" in post["text"]["linkedin"]


def test_the_sample_x_post_keeps_name_and_hashtags(render) -> None:
    text = render(NAMES["sample"])["text"]["x"]
    assert "Summit IT Solutions" in text and "#SDWAN" in text and "…" not in text


def test_x_counts_links_as_23_and_wide_characters_as_2() -> None:
    assert x_length("abc") == 3
    assert x_length("see https://example.com/a/very/long/path/that/goes/on?x=1 now") == 4 + 23 + 4
    assert x_length("北風") == 4
    assert x_length("é") == 1


def test_an_over_long_text_is_shortened_at_a_word_and_keeps_the_link() -> None:
    body = "word " * 200
    text = compose("x", body, LINK, ["One", "Two"])
    assert x_length(text) <= 280 and text.endswith(f"…\n\n{LINK}\n\n#One #Two")
    assert "wor…" not in text  # cut between words
    assert compose("linkedin", "short", LINK, []) == f"short\n\n{LINK}"
