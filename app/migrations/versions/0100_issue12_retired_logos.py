"""replaced logos waiting to be deleted

Revision ID: 0100_issue12_retired_logos
Revises: 0070_issue14_design_templates
"""

import sqlalchemy as sa
from alembic import op

revision = "0100_issue12_retired_logos"
down_revision = "0070_issue14_design_templates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retired_logos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=500), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_retired_logos_partner_id_partners"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retired_logos")),
    )
    op.create_index(op.f("ix_retired_logos_partner_id"), "retired_logos", ["partner_id"])
    op.create_index(op.f("ix_retired_logos_storage_key"), "retired_logos", ["storage_key"])
    # "Does any partner still use this logo?" is asked of every replaced one.
    op.create_index(op.f("ix_partners_logo_key"), "partners", ["logo_key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_partners_logo_key"), table_name="partners")
    op.drop_table("retired_logos")
