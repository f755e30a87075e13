"""design templates uploaded through the API or the console

Revision ID: 0070_issue14_design_templates
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0070_issue14_design_templates"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "design_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("master_key", sa.String(length=500), nullable=False),
        sa.Column("master_format", sa.String(length=8), nullable=False),
        sa.Column("master_filename", sa.String(length=255), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_design_templates")),
        sa.UniqueConstraint("slug", name=op.f("uq_design_templates_slug")),
    )


def downgrade() -> None:
    op.drop_table("design_templates")
