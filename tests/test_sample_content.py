"""The sample campaigns published for the 12 sample partners: every asset checked as a real file."""

from __future__ import annotations

import email
import io
import json
from email import policy

import pytest
from PIL import Image
from sqlalchemy import select

from app.audience import is_eligible
from app.models import Asset, AssetStatus, Campaign, Partner
from app.publishing import start_publish
from app.render_inputs import partner_links
from app.rendering.model import ImageOutput, SocialOutput
from tests.pdfcheck import pdf_facts

CAMPAIGNS = {
    "spring-launch": "spring-flyer",
    "nx-datasheet": "datasheet",
    "launch-social": "social-launch",
    "partner-email": "email-header",
    "partner-newsletter": "partner-newsletter",
}


@pytest.fixture
def published(runner, sample_partners):
    services = sample_partners
    for slug, template in CAMPAIGNS.items():
        result = runner.invoke(args=["create-campaign", slug, "--template", template, "--brand-kit", "northwind",
                                     "--landing-url", f"https://northwind.example.com/{slug}"])  # fmt: skip
        assert result.exit_code == 0, result.output
        start_publish(services, slug)
    assert services.queue.wait_idle(timeout=300)
    return services


def partner_logo_boxes(template, output_id: str) -> list[tuple[int, int, int, int]]:
    for output in template.outputs:
        if isinstance(output, ImageOutput | SocialOutput):
            for size in output.sizes:
                if f"{output.name}-{size.label}" == output_id:
                    return [tuple(layer.spec["box"]) for layer in size.layers if layer.type == "partner_logo"]
    raise AssertionError(output_id)


def test_every_eligible_partner_has_every_output_and_each_file_is_right(published) -> None:
    services = published
    checked = 0
    with services.db.session() as session:
        for slug, template_slug in CAMPAIGNS.items():
            campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
            template = services.content.template(template_slug)
            program = services.content.program()
            eligible = [
                p
                for p in session.scalars(select(Partner))
                if is_eligible(session, campaign, template, program, p)
            ]
            assert eligible
            assets = session.scalars(select(Asset).where(Asset.campaign_id == campaign.id)).all()
            assert {(a.partner_id, a.output) for a in assets} == {
                (p.id, o) for p in eligible for o in template.output_ids()
            }
            for asset in assets:
                assert asset.status == AssetStatus.RENDERED, asset.error
                data = services.storage.open(asset.storage_key)
                partner = asset.partner
                if asset.content_type == "application/pdf":
                    facts = pdf_facts(data)
                    pdf_output = next(o for o in template.outputs if o.name == asset.output)
                    assert facts.pages == pdf_output.pages
                    assert set(facts.trim_mm) == {(210.0, 297.0)}
                    assert facts.fonts and not facts.unembedded_fonts
                    assert "".join(partner.name.split()) in facts.compact_text, (partner.slug, facts.text)
                    url = partner_links(services, session, campaign.id, partner.id)["pdf"].split("://", 1)[1]
                    assert url in facts.compact_text, (partner.slug, url)
                elif asset.content_type == "application/json":
                    post = json.loads(data)
                    social = partner_links(services, session, campaign.id, partner.id)["social"]
                    assert all(social in text for text in post["text"].values())
                elif asset.content_type == "message/rfc822":
                    message = email.message_from_bytes(data, policy=policy.default)
                    assert partner.name in message["Subject"]
                    html = message.get_body(("html",)).get_content()
                    assert partner_links(services, session, campaign.id, partner.id)["email"] in html
                else:
                    image = Image.open(io.BytesIO(data))
                    width, height = (int(v) for v in asset.output.rsplit("-", 1)[1].split("x"))
                    assert image.size == (width, height)
                    rgb = image.convert("RGB")
                    for x, y, w, h in partner_logo_boxes(template, asset.output):
                        colours = rgb.crop((x, y, x + w, y + h)).getcolors(w * h)
                        assert colours is not None and len(colours) > 4, (
                            f"empty partner-logo box: {partner.slug} {asset.output}"
                        )
                checked += 1
    assert checked >= 40


def test_publishing_again_renders_nothing(published) -> None:
    services = published
    for slug in CAMPAIGNS:
        publish_id = start_publish(services, slug)
        assert services.queue.wait_idle(timeout=120)
        with services.db.session() as session:
            outcomes = session.scalars(select(Asset.outcome).where(Asset.publish_id == publish_id)).all()
        assert outcomes and set(outcomes) == {"unchanged"}
