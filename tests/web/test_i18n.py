"""The console and portal in the user's language, and no page text outside the catalogs.

The completeness check renders every page in a pseudo-language whose catalog, made from
messages.pot, wraps each message in ⟦…⟧. Any visible text left unwrapped, that is neither
data (partner names, content from the kits and templates, numbers) nor a product name,
was never put through gettext: the test names it and the page.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.auth.users import create_user
from app.i18n import LANGUAGES, TRANSLATIONS_DIR
from app.models import Campaign, Partner, User, UserRole
from app.publishing import start_publish
from tests.web.conftest import ADMIN, PARTNER, csrf_from, login

PSEUDO = "eo"
"""A real locale Babel knows, used here only as the pseudo-language."""
LEFT, RIGHT = "⟦", "⟧"


def catalog_ids() -> list[Any]:
    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as handle:
        return [m.id for m in read_po(handle) if m.id]


@pytest.fixture
def pseudo_dir(tmp_path: Path) -> Path:
    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as handle:
        catalog = read_po(handle, locale=PSEUDO)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wrapped = tuple(f"{LEFT}{i}{RIGHT}" for i in ids)
        message.string = wrapped if isinstance(message.id, tuple) else wrapped[0]
    target = tmp_path / "pseudo" / PSEUDO / "LC_MESSAGES" / "messages.mo"
    target.parent.mkdir(parents=True)
    with target.open("wb") as handle:
        write_mo(handle, catalog)
    return tmp_path / "pseudo"


class _Text(HTMLParser):
    """Visible text and the human-readable attributes of a page."""

    ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "pre", "svg"):
            self._skip += 1
        self.texts.extend(v for k, v in attrs if k in self.ATTRIBUTES and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "pre", "svg") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data)


def untranslated(html: str, data: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    leftovers = []
    for text in parser.texts:
        rest, previous = text, None
        while rest != previous:  # innermost first: messages inside messages
            previous, rest = rest, re.sub(f"{LEFT}[^{LEFT}{RIGHT}]*{RIGHT}", " ", rest)
        for value in sorted(data, key=len, reverse=True):
            if value and value in rest:
                rest = rest.replace(value, " ")
        # What is left must be no words: numbers, units, punctuation, e-mail addresses and URLs.
        rest = re.sub(
            r"\S+@\S+|https?://\S+|\b[\w.-]+\.(?:example|com|net|org|png|jpg|pdf|svg|zip|eml|html)\b",
            " ",
            rest,
        )
        rest = re.sub(r"\b(?:\d+(?:[.,:]\d+)*\s*(?:KB|MB|px|mm|pt|%|×)?|[A-Z]{2,5}\d*|v\d+)\b", " ", rest)
        if re.search(r"[^\W\d_]{2,}", rest):
            leftovers.append(" ".join(text.split()))
    return leftovers


def content_strings(services: Any) -> set[str]:
    """Strings that are data, not interface: from the database and from kits, templates, the program."""
    strings = {"Cobrand", "Northwind", "git", "CSV", "XLSX", "TOML", "HTML", "ZIP", "PDF", "PNG", "JPEG", "WebP", "SVG",
               "LinkedIn", "Facebook", "X", "InDesign", "Illustrator", "Canva", "Figma", "mm", "pt", "px"}  # fmt: skip
    with services.db.session() as session:
        for partner in session.scalars(select(Partner)):
            strings |= {partner.name, partner.slug, partner.email, partner.website, partner.address, partner.phone,
                        partner.country, partner.locale, partner.type, partner.tier, partner.region}  # fmt: skip
            strings |= {str(v) for v in (partner.custom_fields or {}).values()}
        for campaign in session.scalars(select(Campaign)):
            strings |= {campaign.title, campaign.slug, campaign.template_slug, campaign.brand_kit_slug}
        strings |= set(session.scalars(select(User.email)))
    content = services.content
    for slug in content.template_slugs():
        template = content.template(slug)
        strings |= {
            slug,
            template.title,
            template.description,
            *template.copy.values(),
            *template.output_ids(),
        }
        strings |= {f.label for f in template.editable_fields.values()}
        strings |= {f.default for f in template.editable_fields.values()}
    for slug in content.brand_kit_slugs():
        kit = content.brand_kit(slug)
        strings |= {slug, kit.name, *(f.family for f in kit.fonts), *kit.logos}
        strings |= {
            kit.disclaimer_default,
            *kit.disclaimer_regions.values(),
            *kit.colors,
            *kit.colors.values(),
        }
        strings |= {variant.replace("_", " ") for variant in kit.logos} | {"normal", "italic"}

    def walk(value: Any) -> None:  # every key and string of the partner program (content, like kits)
        if isinstance(value, dict):
            strings.update(map(str, value))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            strings.add(value)

    walk(tomllib.loads(content.program_file.read_text("utf-8")))
    # The template page shows its last commits' subjects (git history is data too).
    log = subprocess.run(
        ["git", "log", "-n", "200", "--format=%s"], capture_output=True, text=True, cwd=TRANSLATIONS_DIR
    )
    strings |= set(log.stdout.splitlines()) | set(LANGUAGES.values()) | {"Pseudo"}
    return {s for s in strings if s}


@pytest.fixture
def pseudo_app(make_app, pseudo_dir: Path, tmp_path: Path):
    app = make_app(EXTRA_LANGUAGES={PSEUDO: "Pseudo"}, EXTRA_TRANSLATION_DIRS=[pseudo_dir],
                   TRANSLATIONS_CACHE_DIR=str(tmp_path / "mo"))  # fmt: skip
    from app.partner_import import import_partners_file
    from tests.fixtures_app import SAMPLE_CSV

    services = app.extensions["cobrand"]
    assert import_partners_file(services, SAMPLE_CSV).errors == []
    with services.db.session() as session:
        create_user(session, ADMIN[0], UserRole.ADMIN, password=ADMIN[1])
        create_user(
            session, PARTNER[0], UserRole.PARTNER_ADMIN, partner_slug="summit-it", password=PARTNER[1]
        )
    from app.campaigns import save_campaign

    save_campaign(
        services, {"slug": "launch", "title": "Launch", "template": "email-header", "brand_kit": "northwind"}
    )
    start_publish(services, "launch")
    assert services.queue.wait_idle(timeout=120)
    return app


def choose(client: Any, language: str, page: str = "/login") -> None:
    token = csrf_from(client.get(page).get_data(as_text=True))
    response = client.post("/language", data={"language": language, "next": page, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(page)


ADMIN_PAGES = ["/", "/campaigns", "/campaigns/new", "/templates", "/templates/spring-flyer", "/brand-kits",
               "/brand-kits/northwind", "/partners", "/partners/new", "/partners/import", "/assets", "/analytics", "/audit"]  # fmt: skip
PARTNER_PAGES = ["/portal/", "/portal/campaigns/launch", "/portal/profile", "/portal/users"]


def test_every_page_shows_only_catalog_strings(pseudo_app) -> None:
    services = pseudo_app.extensions["cobrand"]
    data = content_strings(services)
    with services.db.session() as session:
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.slug == "launch"))
        partner_slug = session.scalar(select(Partner.slug).where(Partner.slug == "summit-it"))
    pages = [*ADMIN_PAGES, f"/campaigns/{campaign_id}", f"/campaigns/{campaign_id}/edit",
             f"/campaigns/{campaign_id}/grid", f"/partners/{partner_slug}/edit"]  # fmt: skip
    problems: list[str] = []
    client = pseudo_app.test_client()
    choose(client, PSEUDO)
    problems += [f"/login: {t!r}" for t in untranslated(client.get("/login").get_data(as_text=True), data)]
    problems += [
        f"/password/forgot: {t!r}"
        for t in untranslated(client.get("/password/forgot").get_data(as_text=True), data)
    ]
    login(client, *ADMIN)
    choose(client, PSEUDO, "/")
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert f'<html lang="{PSEUDO}">' in response.get_data(as_text=True)
        problems += [f"{page}: {t!r}" for t in untranslated(response.get_data(as_text=True), data)]
    partner = pseudo_app.test_client()
    login(partner, *PARTNER)
    choose(partner, PSEUDO, "/portal/")
    for page in PARTNER_PAGES:
        response = partner.get(page)
        assert response.status_code == 200, page
        problems += [f"{page}: {t!r}" for t in untranslated(response.get_data(as_text=True), data)]
    assert problems == [], "text not in the catalogs:\n" + "\n".join(dict.fromkeys(problems))


def test_the_completeness_check_catches_a_string_outside_the_catalogs() -> None:
    assert untranslated(f"<p>{LEFT}Sign in{RIGHT}</p><p>Acme GmbH</p>", {"Acme GmbH"}) == []
    assert untranslated(f"<p>{LEFT}Sign in{RIGHT} now</p>", set()) == [f"{LEFT}Sign in{RIGHT} now"]
    assert untranslated('<input placeholder="Search here">', set()) == ["Search here"]


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_catalog_translates_every_message(language: str) -> None:
    with (TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    missing = [
        m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    assert missing == []
    assert {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id} == {
        i if isinstance(i, str) else tuple(i) for i in catalog_ids()
    }  # the catalog is up to date with messages.pot


def test_portal_in_japanese_for_a_ja_jp_partner_and_german_for_accept_language_de(users, client) -> None:
    with users.db.session() as session:
        create_user(session, "tanaka@sakura.example", UserRole.PARTNER_ADMIN, partner_slug="sakura-digital",
                    password="partner-password-3")  # fmt: skip
    german = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}).get_data(
        as_text=True
    )
    assert '<html lang="de">' in german and "Anmelden" in german and "Passwort vergessen?" in german
    login(client, "tanaka@sakura.example", "partner-password-3")
    home = client.get("/portal/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="ja">' in home and "マイキャンペーン" in home and "サインアウト" in home
    # The user's own choice wins over the partner's locale, and is kept on the user.
    choose(client, "fr", "/portal/")
    assert "Mes campagnes" in client.get("/portal/").get_data(as_text=True)
    with users.db.session() as session:
        assert session.scalar(select(User.locale).where(User.email == "tanaka@sakura.example")) == "fr"


def test_a_changed_partner_locale_or_language_choice_shows_on_the_next_page(users, app, client) -> None:
    """The language is read with the user on every request: nothing older than the request is kept."""
    with users.db.session() as session:
        create_user(session, "tanaka@sakura.example", UserRole.PARTNER_ADMIN, partner_slug="sakura-digital",
                    password="partner-password-3")  # fmt: skip
    login(client, "tanaka@sakura.example", "partner-password-3")
    assert "マイキャンペーン" in client.get("/portal/").get_data(as_text=True)
    with users.db.session() as session:
        session.scalar(select(Partner).where(Partner.slug == "sakura-digital")).locale = "de_DE"
    home = client.get("/portal/").get_data(as_text=True)
    assert '<html lang="de">' in home and "Meine Kampagnen" in home
    # The same user chooses French in another browser: this one follows on its next page.
    other = login(app.test_client(), "tanaka@sakura.example", "partner-password-3")
    choose(other, "fr", "/portal/")
    home = client.get("/portal/").get_data(as_text=True)
    assert '<html lang="fr">' in home and "Mes campagnes" in home
