"""Locales outside the pure core: which locale a partner's assets are in, and partners' scripts.

A campaign publishes a list of locales (empty: every locale its template has copy in). A
partner's assets are in the first locale of its own chain (pt-BR → pt) the campaign
publishes, else in the campaign's first locale.
"""

from __future__ import annotations

from sqlalchemy import inspect, select

from app.models import Campaign, Partner
from app.render_inputs import partner_input
from app.rendering.fonts import describe_uses, script_uses
from app.rendering.model import BrandKit, CampaignTemplate, PartnerInput, locale_chain, normalize_locale
from app.services import Services


def campaign_locales(template: CampaignTemplate, published: list[str] | None) -> list[str]:
    """The locales a campaign publishes, the first being its default."""
    return [normalize_locale(x) for x in published] if published else list(template.locales)


def asset_locale(partner_locale: str, locales: list[str], template: CampaignTemplate) -> str:
    """The locale a partner's assets are rendered in: its own (or a parent) if published, else the default."""
    for candidate in locale_chain(partner_locale):
        if candidate in locales:
            return partner_locale if template.copy_locale(partner_locale) == candidate else candidate
    return locales[0] if locales else template.locale


def partner_locale(template: CampaignTemplate, campaign: Campaign, partner: Partner) -> str:
    """The locale a partner's assets of a campaign are rendered in."""
    return asset_locale(partner.locale, campaign_locales(template, campaign.locales), template)


def partners_for_lint(services: Services) -> list[PartnerInput]:
    """Every active partner's name and locale (no logos), for lint's glyph and translation checks."""
    if not inspect(services.db.engine).has_table("partners"):
        return []  # lint before init-db: content only
    with services.db.session() as session:
        partners = session.scalars(select(Partner).where(Partner.deleted_at.is_(None)).order_by(Partner.slug))
        return [partner_input(services, p, with_logo=False) for p in partners]


def name_glyph_notes(kits: list[BrandKit], partner: PartnerInput) -> list[str]:
    """Import-time check of a partner's name against every kit's fonts: fallbacks and uncovered characters."""
    lines: list[str] = []
    for kit in kits:
        errors, notes = describe_uses(
            f"partner {partner.slug}: name", kit, script_uses(kit, partner.name, partner.locale)
        )
        lines.extend(errors + notes)
    return lines


def imported_name_notes(services: Services, slugs: list[str]) -> list[str]:
    """For partners just imported: how every kit draws their names (fallback fonts, missing glyphs)."""
    kits = [services.content.brand_kit(slug) for slug in services.content.brand_kit_slugs()]
    with services.db.session() as session:
        partners = session.scalars(
            select(Partner).where(Partner.slug.in_(slugs)).order_by(Partner.slug)
        ).all()
        inputs = [partner_input(services, p, with_logo=False) for p in partners]
    return [line for partner in inputs for line in name_glyph_notes(kits, partner)]
