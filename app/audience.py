"""Who a campaign reaches: one database filter for every door.

Publish planning, the portal, the console's live count, the API and webhook-triggered publishes all ask
`eligible_clause`; a single partner is checked by running the same filter on its row, so there is
no second, Python-side reading of an audience to drift from the first.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, cast, exists, false, func, select, true
from sqlalchemy.dialects.postgresql import JSONB, array
from sqlalchemy.orm import Session

from app.models import Campaign, Partner
from app.rendering.audience import Audience, parse_audience
from app.rendering.model import CampaignTemplate
from app.rendering.program import PartnerProgram


def audience_clause(audience: Audience, program: PartnerProgram, dialect: str) -> ColumnElement[bool]:
    """A WHERE clause selecting the partners an audience reaches (values resolved through the program)."""
    conditions: list[ColumnElement[bool]] = []
    for column, dimension, wanted in (
        (Partner.type, "type", audience.types),
        (Partner.tier, "tier", audience.tiers),
        (Partner.region, "region", audience.regions),
    ):
        if wanted:
            # An audience value the program no longer knows matches no one (lint reports it).
            slugs = [s for s in (program.resolve(dimension, v) for v in wanted) if s]
            conditions.append(column.in_(slugs) if slugs else false())
    if audience.min_tier:
        tiers = program.tiers_from(audience.min_tier)
        conditions.append(Partner.tier.in_(tiers) if tiers else false())
    if audience.countries:
        conditions.append(Partner.country.in_(audience.countries))
    for name, values in sorted(audience.attributes.items()):
        conditions.append(_attribute_clause(name, list(values), dialect))
    return and_(true(), *conditions)


def _attribute_clause(name: str, values: list[str], dialect: str) -> ColumnElement[bool]:
    """The partner's attribute (one value or a list) holds any of values."""
    if dialect == "postgresql":
        # jsonb ?| matches a string scalar equal to, or an array holding, any of the values.
        return cast(Partner.attributes, JSONB)[name].has_any(array(values))
    # SQLite: json_each walks a list's items, or yields a scalar once.
    each = func.json_each(Partner.attributes, f'$."{name}"').table_valued("value").alias(f"attr_{name}")
    return exists(select(1).select_from(each).where(each.c.value.in_(values)))


def eligible_clause(
    campaign: Campaign, template: CampaignTemplate, program: PartnerProgram, dialect: str
) -> ColumnElement[bool]:
    """Active, not deleted, and in both the template's and the campaign's audience."""
    campaign_audience, _ = parse_audience(campaign.audience or {})
    return and_(
        Partner.active.is_(True),
        Partner.deleted_at.is_(None),
        audience_clause(template.audience, program, dialect),
        audience_clause(campaign_audience, program, dialect),
    )


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def eligible_partners(
    session: Session, campaign: Campaign, template: CampaignTemplate, program: PartnerProgram
) -> list[Partner]:
    clause = eligible_clause(campaign, template, program, _dialect(session))
    return list(session.scalars(select(Partner).where(clause).order_by(Partner.slug)))


def eligible_count(
    session: Session, campaign: Campaign, template: CampaignTemplate, program: PartnerProgram
) -> int:
    clause = eligible_clause(campaign, template, program, _dialect(session))
    return int(session.scalar(select(func.count()).select_from(Partner).where(clause)) or 0)


def is_eligible(
    session: Session,
    campaign: Campaign,
    template: CampaignTemplate,
    program: PartnerProgram,
    partner: Partner,
) -> bool:
    """The same filter, run on one partner's row."""
    clause = eligible_clause(campaign, template, program, _dialect(session))
    return session.scalar(select(Partner.id).where(Partner.id == partner.id, clause)) is not None
