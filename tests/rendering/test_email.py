"""A partner newsletter as an HTML e-mail: a complete, inlined, 600 px document and a valid .eml."""

from __future__ import annotations

import email
import io
import re
from email import policy
from html.parser import HTMLParser

import pytest
from PIL import Image

from app.rendering.brand_kit import load_brand_kit
from app.rendering.email import PLACEHOLDERS, html_to_text
from app.rendering.model import CampaignInput, PartnerInput
from app.rendering.template import load_template
from tests.factories import make_email_template, make_kit, png_logo

ASSETS = "https://cdn.vendor.example/cobrand/public"
LINK = "https://go.vendor.example/r/Ab3dE5gH9k"
LOGO = png_logo(240, 80, color="#2E86AB")
LONG_NAME = (
    "Very Long Partner Name Systems Integration and Managed Services International Holdings GmbH & Co. KG"
)


class Document(HTMLParser):
    """Every element (outside comments: Outlook's conditional blocks are comments) and its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._in_style = tag == "style"

    def handle_endtag(self, tag) -> None:
        self._in_style = False

    def handle_data(self, data) -> None:
        if self._in_style:
            self.styles.append(data)

    def tags(self, name: str) -> list[dict[str, str]]:
        return [attrs for tag, attrs in self.elements if tag == name]


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory):
    """The factory kit and e-mail template, a partner whose name needs escaping, and a campaign."""
    root = tmp_path_factory.mktemp("email")
    kit = load_brand_kit(make_kit(root / "kit"))
    template = load_template(make_email_template(root / "newsletter"))
    partner = PartnerInput(slug="summit-it", name="Summit IT & <Co>", type="reseller", tier="gold", region="EMEA",
                           email="sales@summit-it.example", phone="+44 20 7946 0000",
                           website="https://summit-it.example", logo=LOGO)  # fmt: skip
    campaign = CampaignInput(slug="webinar", landing_url="https://vendor.example.com/webinar",
                             asset_base_url=ASSETS, links={"email": LINK})  # fmt: skip
    return kit, template, partner, campaign


@pytest.fixture(scope="module")
def rendered(content):
    from app.rendering.renderer import Renderer

    kit, template, partner, campaign = content
    return Renderer().render_one(kit, template, partner, campaign, "newsletter")


def parts(data: bytes) -> tuple[email.message.EmailMessage, str, str]:
    message = email.message_from_bytes(data, policy=policy.default)
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    return message, html, text


def test_the_eml_parses_with_subject_text_and_html_parts(rendered) -> None:
    assert (rendered.content_type, rendered.extension) == ("message/rfc822", "eml")
    message, html, text = parts(rendered.data)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "Live demo: fast, safe networking with Summit IT & <Co>"
    assert message["From"].addresses[0].addr_spec == "sales@summit-it.example"
    assert "Save my seat: " + LINK in text
    assert "Summit IT & <Co>" in text  # plain text is not HTML-escaped
    assert "{{unsubscribe_url}}" in text


def test_the_html_is_a_complete_document_with_every_style_inlined(rendered) -> None:
    _, html, _ = parts(rendered.data)
    assert html.lstrip().lower().startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    doc = Document()
    doc.feed(html)
    for tag in ("html", "head", "body", "title"):
        assert doc.tags(tag), f"no <{tag}>"
    assert doc.tags("link") == [] and doc.tags("script") == []
    # The only <style> left holds media queries: every other rule was inlined.
    rules = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", " ".join(doc.styles))
    assert rules.strip() == "", rules
    assert any("@media" in style for style in doc.styles)
    assert all(
        not attrs.get("class") or attrs.get("style") for tag, attrs in doc.elements if tag in ("td", "a")
    )
    assert "on" not in {name[:2] for _, attrs in doc.elements for name in attrs}  # no event handlers
    assert "Summit IT &amp; &lt;Co&gt;" in html  # partner data escaped


def test_the_html_is_at_most_600_px_wide(rendered) -> None:
    _, html, _ = parts(rendered.data)
    doc = Document()
    doc.feed(html)
    widths = [int(v) for _, attrs in doc.elements for v in re.findall(r"^(\d+)$", attrs.get("width", ""))]
    widths += [
        int(v)
        for _, attrs in doc.elements
        for v in re.findall(r"(?<![-\w])width:\s*(\d+)px", attrs.get("style", ""))
    ]
    widths += [int(v) for v in re.findall(r"max-width:\s*(\d+)px", html)]
    assert widths and max(widths) == 600


def test_every_image_is_an_absolute_url_under_the_public_asset_base(rendered) -> None:
    _, html, _ = parts(rendered.data)
    doc = Document()
    doc.feed(html)
    sources = [attrs["src"] for attrs in doc.tags("img")]
    assert sources
    names = {f.name for f in rendered.public_files}
    for src in sources:
        assert src.startswith(ASSETS + "/"), src
        assert src.rsplit("/", 1)[1] in names
    header = next(f for f in rendered.public_files if f.content_type == "image/png")
    assert Image.open(io.BytesIO(header.data)).size == (600, 200)
    assert rendered.preview == header.data


def test_links_use_the_email_short_link_and_keep_the_placeholders(rendered) -> None:
    _, html, _ = parts(rendered.data)
    doc = Document()
    doc.feed(html)
    hrefs = [attrs.get("href", "") for attrs in doc.tags("a")]
    assert LINK in hrefs
    for name in ("unsubscribe_url", "view_in_browser_url"):
        assert "{{" + name + "}}" in hrefs
    assert "{{first_name}}" in html and "{{sender_address}}" in html
    assert set(PLACEHOLDERS) >= {"unsubscribe_url", "view_in_browser_url", "first_name", "sender_address"}


def test_rendering_twice_gives_the_same_bytes(rendered, content) -> None:
    from app.rendering.renderer import Renderer

    kit, template, partner, campaign = content
    assert Renderer().render_one(kit, template, partner, campaign, "newsletter").data == rendered.data


def test_a_relative_asset_base_is_refused(content) -> None:
    from app.errors import CobrandError
    from app.rendering.renderer import Renderer

    kit, template, _, _ = content
    partner = PartnerInput(slug="x", name=LONG_NAME, type="reseller", tier="gold", region="NA")
    with pytest.raises(CobrandError, match="absolute asset base URL"):
        Renderer().render_one(
            kit, template, partner, CampaignInput(slug="w", asset_base_url="/public"), "newsletter"
        )


def test_html_to_text_keeps_blocks_and_links() -> None:
    text = html_to_text(
        '<html><head><style>p{}</style><title>t</title></head><body><p>Hi <a href="https://x.example">there</a></p><div>Bye</div></body></html>'
    )
    assert text == "Hi there <https://x.example>\n\nBye\n"
