"""click batches: the minutes of clicks sent as link.clicked events

Revision ID: 0041_issue11_click_batches
Revises: 0040_issue11_short_links
"""

import sqlalchemy as sa
from alembic import op

revision = "0041_issue11_click_batches"
down_revision = "0040_issue11_short_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "click_batches",
        sa.Column("minute", sa.String(length=16), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("minute", name=op.f("pk_click_batches")),
    )


def downgrade() -> None:
    op.drop_table("click_batches")
