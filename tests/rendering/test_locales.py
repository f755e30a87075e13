"""Localized copy: per-locale files with a fallback chain, localized disclaimers, /Lang, lint."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.rendering.brand_kit import load_brand_kit
from app.rendering.fingerprint import fingerprint
from app.rendering.lint import lint_content
from app.rendering.locale_format import format_date, format_number, format_phone
from app.rendering.model import PartnerInput, locale_chain, normalize_locale
from app.rendering.template import load_template
from tests.factories import BRAND_TOML, FONT_FAMILY, make_kit, make_template
from tests.pdfcheck import pdf_facts

COPY_DE = """[translation]
reviewed = false

[copy]
headline = "Schnelles, sicheres Netzwerk"

[fields.editable.offer]
default = "Kostenloser Pilot"
"""
COPY_PT = '[copy]\nheadline = "Rede rápida e segura"\n'
COPY_JA = '[copy]\nheadline = "高速で安全なネットワーク"\n'

KIT_DISCLAIMERS = (
    BRAND_TOML
    + """
[disclaimer.countries]
DE = "Germany disclaimer: Acme GmbH."

[disclaimer.locales.de]
default = "Haftungsausschluss."
countries.DE = "Deutscher Haftungsausschluss: Acme GmbH, Berlin."

[disclaimer.locales.ja]
default = "免責事項：Acme 株式会社。"
"""
)


@pytest.fixture
def localized(tmp_path: Path):
    kit = load_brand_kit(make_kit(tmp_path / "kit", brand_toml=KIT_DISCLAIMERS))
    template = load_template(
        make_template(
            tmp_path / "template",
            **{"copy.de.toml": COPY_DE, "copy.pt.toml": COPY_PT, "copy.ja.toml": COPY_JA},
        )
    )
    return kit, template


def pdf_lang(data: bytes) -> str:
    return str(PdfReader(io.BytesIO(data)).trailer["/Root"]["/Lang"])


def flyer(renderer, kit, template, partner, campaign, locale: str) -> bytes:
    return renderer.render_one(kit, template, partner, replace(campaign, locale=locale), "flyer").data


def test_locale_chain() -> None:
    assert normalize_locale("pt_br") == "pt-BR" and normalize_locale("zh-hant-tw") == "zh-Hant-TW"
    assert locale_chain("pt-BR") == ["pt-BR", "pt"] and locale_chain("") == []


def test_de_partner_gets_german_copy_and_the_german_disclaimer(
    renderer, localized, partner, campaign
) -> None:
    kit, template = localized
    german = replace(partner, country="DE", locale="de-DE")
    data = flyer(renderer, kit, template, german, campaign, "de-DE")
    facts = pdf_facts(data)
    assert "Schnelles, sicheres Netzwerk" in facts.text and "Kostenloser Pilot" in facts.text
    assert "Deutscher Haftungsausschluss: Acme GmbH, Berlin." in facts.text
    assert pdf_lang(data) == "de-DE"
    # A German speaker outside Germany: German, the default German disclaimer.
    austrian = replace(partner, country="AT", locale="de-AT")
    assert (
        "Haftungsausschluss." in pdf_facts(flyer(renderer, kit, template, austrian, campaign, "de-AT")).text
    )
    # English copy for Germany: the English country disclaimer.
    english = pdf_facts(flyer(renderer, kit, template, replace(partner, country="DE"), campaign, "en")).text
    assert "Germany disclaimer: Acme GmbH." in english and "Fast, safe networking" in english


def test_ja_partner_gets_japanese_copy(renderer, localized, partner, campaign) -> None:
    kit, template = localized
    data = flyer(renderer, kit, template, replace(partner, country="JP", locale="ja-JP"), campaign, "ja-JP")
    text = pdf_facts(data).compact_text
    assert "高速で安全なネットワーク" in text and "免責事項" in text
    assert pdf_lang(data) == "ja-JP"


def test_pt_br_falls_back_to_pt_and_unknown_locales_to_the_default(
    renderer, localized, partner, campaign
) -> None:
    kit, template = localized
    brazil = flyer(renderer, kit, template, replace(partner, locale="pt-BR"), campaign, "pt-BR")
    assert "Rede rápida e segura" in pdf_facts(brazil).text and pdf_lang(brazil) == "pt-BR"
    swedish = flyer(renderer, kit, template, replace(partner, locale="sv-SE"), campaign, "sv-SE")
    assert "Fast, safe networking" in pdf_facts(swedish).text
    assert pdf_lang(swedish) == "en"  # the document says what language it really is in


def test_lint_lists_missing_translations(localized) -> None:
    kit, template = localized
    partners = [PartnerInput(slug="stockholm-it", name="Stockholm IT AB", type="reseller", tier="gold",
                             region="EMEA", locale="sv-SE")]  # fmt: skip
    report = lint_content([kit.root], [template.root], partners=partners)
    assert report.errors == []
    notes = "\n".join(report.notes)
    assert "copy.de.toml: translation: not yet checked by a fluent speaker" in notes
    assert "copy.pt.toml: fields.editable: no pt default for offer" in notes
    assert "no translation for sv-SE (partners stockholm-it): shown in en; add copy.sv-SE.toml" in notes


def test_changing_one_translation_changes_only_that_locales_fingerprints(
    tmp_path, localized, partner, campaign
) -> None:
    kit, template = localized
    before = {
        loc: fingerprint(kit, template, "flyer", partner, replace(campaign, locale=loc))
        for loc in ("de", "ja", "en")
    }
    (template.root / "copy.de.toml").write_text(COPY_DE.replace("Schnelles", "Schnellstes"))
    changed = load_template(template.root)
    after = {
        loc: fingerprint(kit, changed, "flyer", partner, replace(campaign, locale=loc))
        for loc in ("de", "ja", "en")
    }
    assert after["de"] != before["de"]
    assert after["ja"] == before["ja"] and after["en"] == before["en"]


def test_lint_flags_a_script_the_kit_has_no_font_for(tmp_path: Path, localized) -> None:
    kit, template = localized
    tokyo = PartnerInput(slug="tokyo-si", name="東京システム株式会社", type="reseller", tier="gold",
                         region="APAC", locale="ja-JP")  # fmt: skip
    report = lint_content([kit.root], [template.root], partners=[tokyo])
    assert (
        f"partner tokyo-si: name uses Japanese; kit {kit.slug} has no Japanese font; falls back to Noto Sans CJK JP"
        in report.notes
    )
    # A kit that names only its Latin brand font for Japanese has no font that covers the name: an error.
    strict = make_kit(
        tmp_path / "latin-only", brand_toml=BRAND_TOML + f'\n[font_fallback]\njapanese = ["{FONT_FAMILY}"]\n'
    )
    report = lint_content([strict], [template.root], partners=[tokyo])
    assert any(
        line.startswith("partner tokyo-si: name uses Japanese; no font of kit latin-only") and "東" in line
        for line in report.errors
    ), report.errors
    # The Japanese copy file is flagged for the same kit too.
    assert any("copy.ja.toml: copy uses Japanese" in line for line in report.errors)


def test_phone_dates_and_numbers_follow_the_locale() -> None:
    assert format_phone("+49 30 901820", "DE") == "030 901820"
    assert format_phone("+49 30 901820", "FR") == "+49 30 901820"
    assert format_phone("not a number", "DE") == "not a number"
    assert format_date("2026-12-01", "de-DE") == "1. Dezember 2026"
    assert format_date("2026-12-01", "ja-JP") == "2026年12月1日"
    assert format_number(1234.5, "de") == "1.234,5" and format_number(1234.5, "en") == "1,234.5"
