"""Must-show 3: renaming a tier's label changes it in pages and outputs and re-renders only the assets
that show it; removing a tier that partners hold fails lint, naming them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from app.auth.users import create_user
from app.campaigns import save_campaign
from app.models import Asset, Partner, Publish, UserRole
from app.partner_import import import_partners_file
from app.publishing import start_publish
from app.services import Services
from tests.factories import PARTNERS, Content
from tests.pdfcheck import pdf_facts
from tests.web.conftest import login

ADMIN = ("admin@example.com", "admin-password-1")


def _publish(services: Services, slug: str) -> Publish:
    publish_id = start_publish(services, slug)
    assert services.jobs.wait_idle(timeout=600)
    with services.db.session() as session:
        publish = session.get(Publish, publish_id)
        assert publish is not None
        return publish


def test_renaming_a_tier_label_reaches_pages_and_outputs_and_re_renders_only_what_shows_it(
    make_app: Callable[..., Flask], content: Content
) -> None:
    program = content.program_file
    app = make_app(PARTNER_PROGRAM_FILE=str(program))
    services: Services = app.extensions["cobrand"]
    assert import_partners_file(services, content.partners_csv).rejected == 0
    with services.db.session() as session:
        create_user(session, ADMIN[0], UserRole.ADMIN, password=ADMIN[1])
        gold = set(session.scalars(select(Partner.id).where(Partner.tier == "gold")))
    # The badge prints "<tier label> <type label>"; the flyer (a PDF and images) shows no tier.
    save_campaign(services, {"slug": "ds", "template": content.badge, "brand_kit": content.kit})
    save_campaign(services, {"slug": "mail", "template": content.flyer, "brand_kit": content.kit})
    first_ds, first_mail = _publish(services, "ds"), _publish(services, "mail")
    assert first_ds.failed == 0 and first_mail.failed == 0 and first_ds.rendered > 0

    program.write_text(program.read_text().replace('label = "Gold"\n', 'label = "Gold Elite"\n'))
    again_ds, again_mail = _publish(services, "ds"), _publish(services, "mail")
    with services.db.session() as session:
        ds_assets = session.scalars(select(Asset).join(Publish, Asset.publish_id == Publish.id)
                                    .where(Publish.id == again_ds.id)).all()  # fmt: skip
        rendered = {a.partner_id for a in ds_assets if a.outcome == "rendered"}
        gold_ds = [a for a in ds_assets if a.partner_id in gold]
    # Only the gold partners' badges show the renamed label: only they are rendered again.
    assert rendered == {a.partner_id for a in gold_ds} and rendered
    assert again_ds.rendered == len(gold_ds) and again_ds.unchanged == again_ds.total - len(gold_ds)
    assert again_mail.rendered == 0 and again_mail.unchanged == again_mail.total
    text = pdf_facts(services.storage.open(gold_ds[0].storage_key)).text
    assert "GOLD ELITE" in text  # the badge is set in capitals (text-transform)

    page = login(app.test_client(), *ADMIN).get("/partners").get_data(as_text=True)
    assert "Gold Elite" in page


def test_removing_a_tier_partners_hold_fails_lint_naming_them(
    make_app: Callable[..., Flask], tmp_path: Path, content: Content
) -> None:
    program = tmp_path / "program.toml"
    text = content.program_file.read_text()
    start = text.index("[tiers.registered]")
    program.write_text(text[:start] + text[text.index("[tiers.silver]") :])
    (tmp_path / "no-templates").mkdir()
    app = make_app(PARTNER_PROGRAM_FILE=str(program), TEMPLATES_DIR=str(tmp_path / "no-templates"))
    services: Services = app.extensions["cobrand"]
    full = make_app(DATABASE_URL=services.config["DATABASE_URL"])  # imported under the full program
    assert import_partners_file(full.extensions["cobrand"], content.partners_csv).rejected == 0
    save_campaign(full.extensions["cobrand"], {"slug": "entry", "template": content.flyer, "brand_kit": content.kit,
                                               "audience": {"tiers": ["registered"]}})  # fmt: skip
    result = app.test_cli_runner().invoke(args=["lint"])
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if "tiers.registered" in line)
    holders = sorted(p["slug"] for p in PARTNERS if p["tier"] == "registered")
    assert (
        len(holders) > 1 and f"removed, but {len(holders)} partner(s) hold it: {', '.join(holders)}" in line
    )
    assert (
        "campaign entry: audience.tiers: 'registered' is not one of silver, gold, platinum" in result.output
    )
