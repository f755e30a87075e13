"""What the database holds that the partner program no longer declares (a lint error, by name)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Campaign, Partner
from app.rendering.audience import parse_audience
from app.rendering.program import DIMENSIONS, PartnerProgram

NAMED = 10
"""Partners named per problem; the rest are counted."""


def program_usage_problems(session: Session, program: PartnerProgram) -> list[str]:
    """One line per removed value still held by partners or used by campaigns, naming them."""
    where = program.path or "partner program"
    problems: list[str] = []
    live = (Partner.deleted_at.is_(None),)
    for dimension, section in DIMENSIONS.items():
        column = getattr(Partner, dimension)
        known = program.slugs(dimension)
        rows = session.execute(
            select(column, func.count()).where(*live, column.not_in(known)).group_by(column).order_by(column)
        ).all()
        for value, count in rows:
            slugs = session.scalars(
                select(Partner.slug).where(*live, column == value).order_by(Partner.slug).limit(NAMED)
            ).all()
            more = f" and {count - len(slugs)} more" if count > len(slugs) else ""
            problems.append(
                f"{where}: {section}.{value}: removed, but {count} partner(s) hold it: {', '.join(slugs)}{more};"
                f" declare it again or move them to another {dimension} first"
            )
    for campaign in session.scalars(select(Campaign).order_by(Campaign.slug)):
        _, lines = parse_audience(campaign.audience or {}, program)
        problems.extend(f"{where}: campaign {campaign.slug}: {line}" for line in lines)
    return problems
