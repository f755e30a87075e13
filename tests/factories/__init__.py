"""Build a small partner program, brand kit, templates and partners on disk for tests.

Tests of the core, the services and the API use these instead of the sample vendor's content
(brand_kits/, campaign_templates/, partner_program.toml, sample_data/), so that content can change
freely; tests/test_sample_content.py and tests/sample/ are the tests of the sample itself.
"""

from __future__ import annotations

from tests.factories.channels import (
    EMAIL_HEADER_TOML,
    EMAIL_MJML,
    EMAIL_TEMPLATE_TOML,
    EMAIL_TEXT,
    SOCIAL_POST,
    SOCIAL_POST_SHORT,
    SOCIAL_TEMPLATE_TOML,
    make_email_template,
    make_social_template,
)
from tests.factories.content import Content, make_content
from tests.factories.kit import (
    BOLD,
    BRAND_TOML,
    FONT_DIR,
    FONT_FAMILY,
    KIT_SLUG,
    LOGO_SVG,
    REGULAR,
    acme_partner,
    make_kit,
    png_logo,
)
from tests.factories.program import CSV_FIELDS, PARTNERS, PROGRAM_TOML, make_program, write_partners_csv
from tests.factories.templates import (
    BADGE_CSS,
    BADGE_HTML,
    BADGE_TOML,
    FLYER_CSS,
    FLYER_HTML,
    IN_FLOW_FLYER_CSS,
    LOCALIZED_COPY,
    SOCIAL_TOML,
    TEMPLATE_TOML,
    make_localized_template,
    make_template,
)

__all__ = [
    "BADGE_CSS",
    "BADGE_HTML",
    "BADGE_TOML",
    "BOLD",
    "BRAND_TOML",
    "CSV_FIELDS",
    "Content",
    "EMAIL_HEADER_TOML",
    "EMAIL_MJML",
    "EMAIL_TEMPLATE_TOML",
    "EMAIL_TEXT",
    "FLYER_CSS",
    "FLYER_HTML",
    "FONT_DIR",
    "FONT_FAMILY",
    "IN_FLOW_FLYER_CSS",
    "KIT_SLUG",
    "LOCALIZED_COPY",
    "LOGO_SVG",
    "PARTNERS",
    "PROGRAM_TOML",
    "REGULAR",
    "SOCIAL_POST",
    "SOCIAL_POST_SHORT",
    "SOCIAL_TEMPLATE_TOML",
    "SOCIAL_TOML",
    "TEMPLATE_TOML",
    "make_content",
    "make_email_template",
    "make_kit",
    "make_localized_template",
    "make_program",
    "make_social_template",
    "make_template",
    "acme_partner",
    "png_logo",
    "write_partners_csv",
]
