"""locales: which a campaign publishes, which an asset is in, which a user reads the web app in

Revision ID: 0020_issue9_locales
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_issue9_locales"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("locales", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=16), nullable=False, server_default=""))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locale")
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("locale")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("locales")
