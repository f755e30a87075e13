"""Database models (SQLAlchemy 2), one module per concept; every state is an enum here.

Schema changes go through Alembic migrations in app/migrations/. Import models from this package
(`from app.models import Asset`); the modules are program, publishing, accounts, webhooks, links
and audit, over base.
"""

from app.models.accounts import ApiToken, PasswordReset, User, UserRole
from app.models.audit import AuditEntry, CampaignApproval
from app.models.base import NAMING_CONVENTION, Base, enum_column, utcnow
from app.models.links import Click, ClickBatch, ClickKind, ClickSalt, ShortLink
from app.models.program import (
    ApprovalState,
    Campaign,
    CampaignStatus,
    DesignTemplate,
    Partner,
    PartnerFieldValues,
    RetiredLogo,
)
from app.models.publishing import (
    Asset,
    AssetOutcome,
    AssetStatus,
    Download,
    DownloadChannel,
    Publish,
    PublishStatus,
    PublishTrigger,
)
from app.models.webhooks import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Subscription,
    WebhookEvent,
    WebhookEventStatus,
)

__all__ = [
    "ApiToken",
    "ApprovalState",
    "Asset",
    "AssetOutcome",
    "AssetStatus",
    "AuditEntry",
    "Base",
    "Campaign",
    "CampaignApproval",
    "CampaignStatus",
    "Click",
    "ClickBatch",
    "ClickKind",
    "ClickSalt",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "DesignTemplate",
    "Download",
    "DownloadChannel",
    "NAMING_CONVENTION",
    "Partner",
    "PartnerFieldValues",
    "PasswordReset",
    "Publish",
    "PublishStatus",
    "PublishTrigger",
    "RetiredLogo",
    "ShortLink",
    "Subscription",
    "User",
    "UserRole",
    "WebhookEvent",
    "WebhookEventStatus",
    "enum_column",
    "utcnow",
]
