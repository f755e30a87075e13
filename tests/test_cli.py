"""The command line on the embedded defaults: lint, partners import, render, campaigns list/create/publish;
every group's --help, and the old command names kept as aliases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.config import PROJECT_ROOT
from app.models import Partner
from tests.factories import FLYER_HTML, TEMPLATE_TOML, make_kit, make_template, png_logo
from tests.pdfcheck import pdf_facts
from tests.rendering.test_logos import png_header_only

HEADER = "slug,name,type,tier,region,country,website,email,phone,logo\n"


@pytest.fixture
def content(tmp_path: Path, make_app):
    """An app over a copy-able kit/template folder pair, for breaking things."""
    kits, templates = tmp_path / "kits", tmp_path / "templates"
    make_kit(kits / "acme")
    make_template(templates / "flyer")
    app = make_app(BRAND_KITS_DIR=str(kits), TEMPLATES_DIR=str(templates))
    return app, kits, templates


def lint(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["lint"])
    return result.exit_code, result.output


def test_lint_passes_on_the_sample_content(runner) -> None:
    result = runner.invoke(args=["lint"])
    assert result.exit_code == 0, result.output
    assert "brand kit northwind" in result.output


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("missing_logo", "brand.toml: logos.on_dark: 'logos/on-dark.svg' is not a file inside the kit"),
        ("bad_colour", "brand.toml: colors.accent: '#F2A9' is not a #RRGGBB colour"),
        ("unknown_field", "template.toml: fields.partner: unknown field 'fax'"),
        ("jinja_syntax", "flyer.html:3: Jinja syntax error"),
        ("undefined_name", "flyer.html: UndefinedError"),
        ("text_overflow", "text_boxes.partner_name: text overflows"),
        ("bad_layer", "social.toml: sizes[0].layers[1].box"),
    ],
)
def test_lint_names_the_file_and_field(content, breakage: str, expected: str) -> None:
    app, kits, templates = content
    kit, template = kits / "acme", templates / "flyer"
    if breakage == "missing_logo":
        (kit / "logos" / "on-dark.svg").unlink()
    elif breakage == "bad_colour":
        toml = kit / "brand.toml"
        toml.write_text(toml.read_text().replace('accent = "#F2A900"', 'accent = "#F2A9"'))
    elif breakage == "unknown_field":
        (template / "template.toml").write_text(TEMPLATE_TOML.replace('"qr"]', '"qr", "fax"]'))
    elif breakage == "jinja_syntax":
        (template / "flyer.html").write_text(
            FLYER_HTML.replace("{{ copy.headline }}</h1>", "{{ copy.headline </h1>")
        )
    elif breakage == "undefined_name":
        (template / "flyer.html").write_text(
            FLYER_HTML.replace("{{ partner.phone }}", "{{ partner.fax_number }}")
        )
    elif breakage == "text_overflow":
        (template / "template.toml").write_text(
            TEMPLATE_TOML.replace("width_mm = 80\nheight_mm = 14", "width_mm = 30\nheight_mm = 5")
        )
    elif breakage == "bad_layer":
        social = template / "social.toml"
        social.write_text(social.read_text().replace("box = [30, 30, 240, 60]", "box = [30, 30, 900, 60]"))
    code, output = lint(app)
    assert code != 0
    assert expected in output, output


def write_csv(folder: Path, rows: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "partners.csv"
    path.write_text(HEADER + rows)
    return path


def test_import_keeps_good_rows_and_reports_bad_ones_by_line(runner, services, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ok.png").write_bytes(png_logo(200, 80))
    (tmp_path / "in" / "bomb.png").write_bytes(png_header_only(40_000, 40_000))
    (tmp_path / "in" / "notes.txt").write_text("not an image")
    csv = write_csv(
        tmp_path / "in",
        "good-one,Good One,reseller,gold,EMEA,DE,https://good.example.com,a@good.example.com,+49 1,ok.png\n"
        "bad-type,Bad Type,wholesaler,gold,EMEA,DE,,,,\n"
        "good-two,Good Two,distributor,registered,NA,US,,,,\n"
        "bomb,Bomb Inc,reseller,gold,NA,US,,,,bomb.png\n"
        "text-logo,Text Logo,reseller,gold,NA,US,,,,notes.txt\n"
        "escape,Escape,reseller,gold,NA,US,,,,../../etc/passwd\n"
        "remote,Remote,reseller,gold,NA,US,,,,https://127.0.0.1/logo.png\n"
        "bad-mail,Bad Mail,reseller,gold,NA,US,,not-an-email,,\n"
        "too,many,fields,reseller,gold,NA,US,,,,,,\n",
    )
    result = runner.invoke(args=["partners", "import", str(csv)])
    assert result.exit_code == 1
    rejected = [line.split(": ")[1] for line in result.output.splitlines() if "partners.csv: line" in line
                and "logo not used" not in line]  # fmt: skip
    assert rejected == ["line 3", "line 9", "line 10"]
    assert "type 'wholesaler': 1 row(s) (lines 3)" in result.output
    # A logo that fails leaves its partner imported without one; the report names the row and why.
    logos = [line for line in result.output.splitlines() if "logo not used" in line]
    assert [line.split(": ")[1] for line in logos] == ["line 5", "line 6", "line 7", "line 8"]
    assert "decompression bomb" in logos[0]
    assert "not a PNG, JPEG, WebP or SVG" in logos[1]
    assert "leaves the file's folder" in logos[2]
    assert "127.0.0.1 is a loopback address" in logos[3]
    assert "6 created, 0 updated, 3 rejected" in result.output
    with services.db.session() as session:
        partners = {p.slug: p for p in session.scalars(select(Partner))}
    assert set(partners) == {"good-one", "good-two", "bomb", "text-logo", "escape", "remote"}
    assert not any(partners[s].logo_key for s in ("bomb", "text-logo", "escape", "remote"))
    assert partners["good-one"].logo_key and services.storage.exists(partners["good-one"].logo_key)


def test_import_again_updates_instead_of_duplicating(runner, services, tmp_path: Path) -> None:
    csv = write_csv(tmp_path / "in", "acme,Acme,reseller,gold,EMEA,DE,,,,\n")
    runner.invoke(args=["partners", "import", str(csv)])
    csv.write_text(HEADER + "acme,Acme Renamed,reseller,platinum,EMEA,DE,,,,\n")
    result = runner.invoke(args=["partners", "import", str(csv)])
    assert "0 created, 1 updated" in result.output
    with services.db.session() as session:
        assert [(p.name, p.tier) for p in session.scalars(select(Partner))] == [("Acme Renamed", "platinum")]


def test_render_writes_files_and_prints_paths(runner, sample_partners, tmp_path: Path) -> None:
    result = runner.invoke(
        args=["render", "spring-flyer", "--partner", "slin", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    paths = [Path(line) for line in result.output.split() if line.endswith(".pdf")]
    assert paths and all(p.is_file() for p in paths)
    assert "Société Lyonnaise" in pdf_facts(paths[0].read_bytes()).text


def test_unknown_partner_slug_is_one_clear_line(runner, sample_partners, tmp_path: Path) -> None:
    result = runner.invoke(args=["render", "spring-flyer", "--partner", "nobody", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip() == "error: partner 'nobody' not found"


def test_unknown_template_and_campaign_are_clear(runner, sample_partners) -> None:
    result = runner.invoke(
        args=["campaigns", "create", "x", "--template", "nope", "--brand-kit", "northwind"]
    )
    assert result.exit_code == 1 and "template 'nope' not found" in result.output
    result = runner.invoke(args=["campaigns", "publish", "missing"])
    assert result.exit_code == 1 and "campaign 'missing' not found" in result.output


def test_campaigns_lists_eligible_partner_counts(runner, sample_partners) -> None:
    runner.invoke(args=["campaigns", "create", "apac-si", "--template", "spring-flyer", "--brand-kit", "northwind",
                        "--regions", "APAC", "--types", "system_integrator,reseller"])  # fmt: skip
    result = runner.invoke(args=["campaigns", "list"])
    line = next(line for line in result.output.splitlines() if line.startswith("apac-si"))
    assert line.split()[-1] == "2"  # harbourline (reseller) and sakura-digital (system integrator)


def test_a_template_pointing_at_etc_passwd_fails_only_its_assets(
    runner, sample_partners, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "campaign_templates", templates)
    flyer = templates / "spring-flyer" / "flyer.html"
    flyer.write_text(
        flyer.read_text()
        .replace("<body", '<body><img src="file:///etc/passwd" alt=""><span', 1)
        .replace("<span", "", 1)
    )
    services = sample_partners
    services.content.templates_dir = templates
    runner.invoke(
        args=["campaigns", "create", "evil", "--template", "spring-flyer", "--brand-kit", "northwind"]
    )
    result = runner.invoke(args=["campaigns", "publish", "evil"])
    assert result.exit_code == 2
    assert "0 rendered, 0 unchanged, 12 failed" in result.output
    assert (
        "refers to file:///etc/passwd: only files inside the brand kit and the template may be used"
        in result.output
    )


def test_oversized_logo_is_one_line_and_the_partner_is_imported_without_it(make_app, tmp_path: Path) -> None:
    app = make_app(MAX_LOGO_BYTES=2000)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "big.png").write_bytes(png_logo(400, 400, color="#123456") + b"\x00" * 5000)
    csv = write_csv(
        tmp_path / "in",
        "big,Big Logo Ltd,reseller,gold,NA,US,,,,big.png\nfine,Fine,reseller,gold,NA,US,,,,\n",
    )
    result = app.test_cli_runner().invoke(args=["partners", "import", str(csv)])
    errors = [line for line in result.output.splitlines() if "line 2" in line]
    assert len(errors) == 1 and "over the 2,000-byte limit for logos" in errors[0]
    with app.extensions["cobrand"].db.session() as session:
        partners = {p.slug: p.logo_key for p in session.scalars(select(Partner))}
    assert partners == {"big": None, "fine": None}


def test_import_notes_how_each_kit_draws_partner_names(runner, tmp_path) -> None:
    csv = tmp_path / "partners.csv"
    csv.write_text(
        "slug,name,type,tier,region,country,locale\n"
        "tokyo-si,東京システム株式会社,reseller,gold,apac,JP,ja-JP\n"
        "acme,Acme GmbH,reseller,gold,emea,DE,de-DE\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["partners", "import", str(csv)])
    assert result.exit_code == 0, result.output
    assert (
        "note: partner tokyo-si: name uses Japanese; kit northwind has no Japanese font; falls back to Noto Sans CJK JP"
        in result.output
    )
    assert "partner acme" not in result.output  # Latin: the brand font draws it


GROUPS = {
    "partners": ["import"],
    "campaigns": ["list", "create", "publish", "retry-failed"],
    "tokens": ["create", "revoke"],
    "users": ["create", "demo"],
    "worker": ["run", "deliver-pending"],
}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_group_and_command_has_help(runner, group: str) -> None:
    result = runner.invoke(args=[group, "--help"])
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:", 1)[1]
    for command in GROUPS[group]:
        assert f"  {command} " in listed, (group, command, result.output)
        sub = runner.invoke(args=[group, command, "--help"])
        assert sub.exit_code == 0 and "Usage:" in sub.output, sub.output
        assert len(sub.output.split("\n\n", 2)[1].strip()) > 10, sub.output  # a sentence of help text


def test_old_command_names_still_work_as_hidden_aliases(runner, services, sample_partners) -> None:
    top = runner.invoke(args=["--help"]).output
    assert "import-partners" not in top and "create-token" not in top  # hidden: the groups are the names
    result = runner.invoke(args=["create-campaign", "old-name", "--template", "spring-flyer", "--brand-kit",
                                 "northwind", "--regions", "APAC"])  # fmt: skip
    assert result.exit_code == 0 and "created campaign old-name" in result.output, result.output
    listed = runner.invoke(args=["campaigns"])  # the group alone still lists, as the old command did
    assert any(line.startswith("old-name") for line in listed.output.splitlines()), listed.output
    token = runner.invoke(args=["create-token", "--name", "old"])
    assert token.exit_code == 0 and token.output.strip().splitlines()[-1].startswith("cbt_"), token.output
    assert "Old name of this command" in runner.invoke(args=["revoke-token", "--help"]).output


def test_demo_users_come_from_the_sample_data_code(runner, services, sample_partners) -> None:
    from app.auth import users
    from app.demo import DEMO_ADMIN, DEMO_PARTNER

    result = runner.invoke(args=["users", "demo"])
    assert result.exit_code == 0 and DEMO_ADMIN[0] in result.output and DEMO_PARTNER[0] in result.output
    with services.db.session() as session:
        assert users.authenticate(session, *DEMO_ADMIN) is not None
        assert users.authenticate(session, *DEMO_PARTNER) is not None
