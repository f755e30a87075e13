"""short links, clicks, daily click salts; demo flag on downloads

Revision ID: 0040_issue11_short_links
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0040_issue11_short_links"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "short_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_short_links_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_short_links_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_short_links")),
        sa.UniqueConstraint("code", name=op.f("uq_short_links_code")),
        sa.UniqueConstraint("campaign_id", "partner_id", "channel", name=op.f("uq_short_links_campaign_id")),
    )
    op.create_index(op.f("ix_short_links_campaign_id"), "short_links", ["campaign_id"])
    op.create_index(op.f("ix_short_links_partner_id"), "short_links", ["partner_id"])
    op.create_table(
        "clicks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "click", "bot", "preview", "prefetch", "head", name="clickkind", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("agent", sa.String(length=16), nullable=False),
        sa.Column("visitor", sa.String(length=32), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["short_links.id"], name=op.f("fk_clicks_link_id_short_links"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_clicks_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_clicks_partner_id_partners"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clicks")),
    )
    for column in ("link_id", "campaign_id", "partner_id", "created_at"):
        op.create_index(op.f(f"ix_clicks_{column}"), "clicks", [column])
    op.create_table(
        "click_salts",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_click_salts")),
    )
    with op.batch_alter_table("downloads") as batch:
        batch.add_column(sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("downloads") as batch:
        batch.drop_column("demo")
    op.drop_table("click_salts")
    op.drop_table("clicks")
    op.drop_table("short_links")
