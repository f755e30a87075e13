"""partner program: type/tier/region as program slugs, custom attributes column

Type, tier and region were fixed lists in code; they are now slugs of the vendor's
partner_program.toml (lowercase letters, digits and dashes). Existing values are kept and
written the slug way ("system_integrator" → "system-integrator", "EMEA" → "emea"), in the
partners table and in every campaign's audience; the program matches values case-insensitively
by slug, label or alias, so anything written the old way still resolves.

Revision ID: 0010_issue8_program
Revises: 0001
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010_issue8_program"
down_revision = "0001"
branch_labels = None
depends_on = None

DIMENSIONS = ("type", "tier", "region")
AUDIENCE_RULES = ("types", "tiers", "regions")


def _slug(value: str) -> str:
    return value.strip().lower().replace("_", "-").replace(" ", "-")


def upgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        for column in DIMENSIONS:
            batch.alter_column(
                column, type_=sa.String(64), existing_type=sa.String(32), existing_nullable=False
            )
        batch.add_column(sa.Column("attributes", sa.JSON(), nullable=False, server_default="{}"))
    partners = sa.table("partners", *(sa.column(c, sa.String) for c in DIMENSIONS))
    op.execute(
        partners.update().values(
            {c: sa.func.replace(sa.func.lower(getattr(partners.c, c)), "_", "-") for c in DIMENSIONS}
        )
    )
    connection = op.get_bind()
    campaigns = sa.table("campaigns", sa.column("id", sa.Integer), sa.column("audience", sa.JSON))
    for row in connection.execute(sa.select(campaigns.c.id, campaigns.c.audience)).all():
        audience: dict[str, Any] = (
            row.audience if isinstance(row.audience, dict) else json.loads(row.audience or "{}")
        )
        changed = {k: [_slug(str(v)) for v in audience.get(k) or []] for k in AUDIENCE_RULES if k in audience}
        if any(changed[k] != audience[k] for k in changed):
            connection.execute(
                campaigns.update().where(campaigns.c.id == row.id).values(audience={**audience, **changed})
            )


def downgrade() -> None:
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("attributes")
        for column in DIMENSIONS:
            batch.alter_column(
                column, type_=sa.String(32), existing_type=sa.String(64), existing_nullable=False
            )
