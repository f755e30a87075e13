"""sessions that end: users.session_version; reset and invitation links in their own table

Revision ID: 0050_issue12_sessions
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0050_issue12_sessions"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    # Partner users made before roles existed could edit their partner's profile: they become its admins.
    op.execute("UPDATE users SET role = 'partner_admin' WHERE role = 'partner'")
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_password_resets_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_resets_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("password_resets")
    op.execute("UPDATE users SET role = 'partner' WHERE role = 'partner_admin'")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
