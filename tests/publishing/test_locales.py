"""Each partner's assets are in its locale: published for the sample partners, read back from storage."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from app.models import Asset, Campaign, Partner
from app.publishing import start_publish
from tests.pdfcheck import pdf_facts


def flyers(services) -> dict[str, tuple[Asset, bytes]]:
    with services.db.session() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "spring"))
        rows = session.execute(
            select(Partner.slug, Asset)
            .join(Asset, Asset.partner_id == Partner.id)
            .where(Asset.campaign_id == campaign.id, Asset.output == "flyer")
        ).all()
        return {slug: (asset, services.storage.open(asset.storage_key)) for slug, asset in rows}


def test_partners_get_assets_in_their_locale_and_campaign_locales_narrow_it(
    runner, partners, content
) -> None:
    services = partners
    result = runner.invoke(
        args=["create-campaign", "spring", "--template", content.flyer, "--brand-kit", content.kit]
    )
    assert result.exit_code == 0, result.output
    start_publish(services, "spring")
    assert services.queue.wait_idle(timeout=300)
    assets = flyers(services)
    german, data = assets["alpine"]
    assert german.locale == "de-DE" and "Mehr erfahren:" in pdf_facts(data).text
    assert str(PdfReader(io.BytesIO(data)).trailer["/Root"]["/Lang"]) == "de-DE"
    japanese, data = assets["ember"]
    assert japanese.locale == "ja-JP" and "詳しくはこちら" in pdf_facts(data).compact_text
    assert assets["dune"][0].locale == "fr-FR" and "En savoir plus :" in pdf_facts(assets["dune"][1]).text
    assert assets["beacon"][0].locale == "en-US"
    assert assets["fjord"][0].locale == "en"  # bg-BG: no Bulgarian copy, the template's English

    # The campaign publishes English and German only: the French partner now gets the default, English.
    result = runner.invoke(args=["create-campaign", "spring", "--template", content.flyer, "--brand-kit", content.kit,
                                 "--locales", "en,de"])  # fmt: skip
    assert result.exit_code == 0, result.output
    start_publish(services, "spring")
    assert services.queue.wait_idle(timeout=300)
    assets = flyers(services)
    assert assets["dune"][0].locale == "en" and "Learn more:" in pdf_facts(assets["dune"][1]).text
    assert assets["alpine"][0].locale == "de-DE"
    bad = runner.invoke(args=["create-campaign", "spring", "--template", content.flyer, "--brand-kit", content.kit,
                              "--locales", "sv"])  # fmt: skip
    assert bad.exit_code != 0 and "has no copy in sv" in bad.output
