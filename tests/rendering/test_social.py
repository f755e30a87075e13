"""Social posts: each network's text within its limit, with the short link, for the worst-case partner."""

from __future__ import annotations

import json

import pytest

from app.rendering.brand_kit import load_brand_kit
from app.rendering.model import CampaignInput, PartnerInput
from app.rendering.renderer import Renderer
from app.rendering.social import LIMITS, compose, post_length, x_length
from app.rendering.template import load_template
from tests.factories import make_kit, make_social_template

LINK = "https://go.vendor.example/r/Zx81QpLm02"
NAMES = {
    "short": "Acme Networks GmbH",
    "latin-110": (
        "Very Long Partner Name Systems Integration and Managed Services International Holdings "
        "GmbH & Co. KG Europe"
    )[:110],  # fmt: skip
    "cjk-110": "北風ネットワーク認定パートナー株式会社" * 6,
}


@pytest.fixture(scope="module")
def render(tmp_path_factory: pytest.TempPathFactory):
    renderer = Renderer()
    root = tmp_path_factory.mktemp("social")
    kit = load_brand_kit(make_kit(root / "kit"))
    template = load_template(make_social_template(root / "social"))

    def make(name: str) -> dict:
        partner = PartnerInput(slug="p", name=name[:110], type="reseller", tier="gold", region="emea")
        campaign = CampaignInput(slug="launch", landing_url="https://vendor.example.com/launch",
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
    assert "#FastNet" in post["text"]["linkedin"]


def test_a_short_name_s_x_post_keeps_name_and_hashtags(render) -> None:
    text = render(NAMES["short"])["text"]["x"]
    assert "Acme Networks GmbH" in text and "#AcmeEdge" in text and "…" not in text


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
