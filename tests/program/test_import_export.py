"""Must-show 1: a real 51-row PRM export imports as it is once the program declares its values; before
that, a dry run lists the unknown values grouped with counts, and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from app.models import Partner
from app.rendering.logos import sniff_kind
from app.services import Services
from tests.support.prm_export import write_export

# The program as it was: three tiers without Silver, no LATAM, no aliases; the same export columns.
OLD_PROGRAM = """
[types.reseller]
label = "Reseller"
[types.distributor]
label = "Distributor"
[types.system-integrator]
label = "Systems Integration"
[types.referral]
label = "Referral"
[tiers.registered]
label = "Registered"
rank = 0
[tiers.gold]
label = "Gold"
rank = 1
[tiers.platinum]
label = "Platinum"
rank = 2
[regions.na]
label = "NA"
[regions.emea]
label = "EMEA"
[regions.apac]
label = "APAC"
[import.columns]
"Account Name" = "name"
"Partner Level" = "tier"
"Partner Type" = "type"
"Partner Region" = "region"
"Billing Country" = "country"
"Billing Address" = "address"
"Website" = "website"
"Partner Marketing Email" = "email"
"Phone" = "phone"
"Logo" = "logo"
"""


def _partners(services: Services) -> int:
    with services.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Partner)) or 0)


def test_dry_run_before_the_program_declares_the_values_groups_them_and_writes_nothing(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    (tmp_path / "old.toml").write_text(OLD_PROGRAM)
    app = make_app(PARTNER_PROGRAM_FILE=str(tmp_path / "old.toml"))
    export = write_export(tmp_path / "export")
    result = app.test_cli_runner().invoke(args=["import-partners", str(export), "--dry-run"])
    assert result.exit_code == 1
    out = result.output
    assert "values the partner program does not declare:" in out
    # Grouped with counts, most frequent first: 51 rows cycle through 6 levels, 6 types and 6 places.
    assert "tier 'Silver': 9 row(s)" in out and "tier 'Silver Partner': 8 row(s)" in out
    assert "tier 'Gold Partner': 9 row(s)" in out
    assert "type 'system integrator': 9 row(s)" in out and "type 'referral partner': 9 row(s)" in out
    assert "region 'LATAM': 18 row(s)" in out
    assert "add it to the partner program or map it as an alias" in out
    assert "(dry run: nothing written)" in out
    assert (
        "columns not mapped (ignored): Industry, Certifications, Channel Account Manager, Created Date" in out
    )
    assert _partners(app.extensions["cobrand"]) == 0


def test_the_export_imports_with_nothing_rejected_once_the_program_declares_them(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_app()  # the sample program: Silver, LATAM, aliases, [import.columns] for these headers
    services: Services = app.extensions["cobrand"]
    export = write_export(tmp_path / "export")
    result = app.test_cli_runner().invoke(args=["import-partners", str(export)])
    assert result.exit_code == 0, result.output
    assert "51 created, 0 updated, 0 rejected" in result.output
    assert "logo not used" not in result.output
    with services.db.session() as session:
        partners = {p.name: p for p in session.scalars(select(Partner))}
        assert len(partners) == 51
        p0 = partners["Partner 000 Soluções & Systems"]
        assert (p0.slug, p0.tier, p0.type, p0.region, p0.country) == (
            "partner-000-solucoes-systems", "silver", "reseller", "latam", "BR"
        )  # fmt: skip
        assert p0.address == "Rua Exemplo 0\nSala 1\nCidade BR"  # the quoted multi-line field, whole
        assert p0.attributes == {
            "industry": ["finance", "healthcare"],
            "certifications": ["secure-edge-associate"],
        }
        assert p0.custom_fields == {"account_manager": "CAM 0"}
        p2 = partners["Partner 002 Networks"]
        assert (p2.tier, p2.type, p2.region) == ("platinum", "referral", "latam")  # region implied by AR
        assert {p.tier for p in partners.values()} == {"silver", "gold", "platinum"}
        assert {p.type for p in partners.values()} == {
            "reseller",
            "system-integrator",
            "referral",
            "distributor",
        }
        kinds = {sniff_kind(services.storage.open(p.logo_key)) for p in partners.values() if p.logo_key}
        with_logo = sum(1 for p in partners.values() if p.logo_key)
    assert kinds == {"svg", "png", "jpeg", "webp"}
    assert with_logo == 41  # every fifth row has none
    again = app.test_cli_runner().invoke(args=["import-partners", str(export)])
    assert "0 created, 51 updated, 0 rejected" in again.output


def test_the_api_imports_the_same_export(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    from tests.api_support import bearer, make_token

    app = make_app()
    services: Services = app.extensions["cobrand"]
    headers = bearer(make_token(services))
    data = write_export(tmp_path / "export", logos=False).read_bytes()
    client = app.test_client()
    dry = client.post(
        "/api/v1/partners/import?dry_run=true", data=data, content_type="text/csv", headers=headers
    )
    assert dry.status_code == 200, dry.get_json()
    assert (dry.get_json()["created"], dry.get_json()["rejected"], _partners(services)) == (51, 0, 0)
    real = client.post(
        "/api/v1/partners/import", data=data, content_type="text/csv", headers=headers
    ).get_json()
    assert (real["created"], real["rejected"], real["dry_run"]) == (51, 0, False)
    assert _partners(services) == 51
    assert (
        client.post(
            "/api/v1/partners/import", data=data, content_type="text/plain", headers=headers
        ).status_code
        == 415
    )


def test_an_xlsx_export_imports_the_same(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    import csv
    import io

    from openpyxl import Workbook

    app = make_app()
    services: Services = app.extensions["cobrand"]
    export = write_export(tmp_path / "export")
    book = Workbook()
    for row in csv.reader(io.StringIO(export.read_text("utf-8-sig"), newline="")):
        book.active.append(row)
    xlsx = tmp_path / "export" / "Account Export.xlsx"
    book.save(xlsx)
    result = app.test_cli_runner().invoke(args=["import-partners", str(xlsx)])
    assert "51 created, 0 updated, 0 rejected" in result.output, result.output
    with services.db.session() as session:
        p0 = session.scalar(select(Partner).where(Partner.slug == "partner-000-solucoes-systems"))
        assert p0 is not None and p0.address == "Rua Exemplo 0\nSala 1\nCidade BR" and p0.logo_key
