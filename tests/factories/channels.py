"""Templates for tests in the other channels: a social post (images and texts) and an HTML e-mail."""

from __future__ import annotations

from pathlib import Path

from tests.factories.templates import make_template

SOCIAL_TEMPLATE_TOML = """title = "Test social post"
description = "Images in two sizes and the post text for LinkedIn, X and Facebook"

[copy]
headline = "Fast, safe networking"
subhead = "One cloud-managed platform for every branch, user and cloud."

[fields]
partner = ["name", "logo", "tracked_url", "qr"]

[[outputs]]
name = "social"
kind = "social"
format = "png"
layouts = "social.toml"
post = "post.txt"
post_short = "post-short.txt"
hashtags = ["FastNet", "SafeBranch", "AcmeEdge"]
"""


SOCIAL_POST = """{{ copy.headline }}.

{{ copy.subhead }} {{ partner.name }} is your {{ brand.name }} partner: book a 30-minute demo and see \
a branch go live in minutes, with every connection verified and one policy everywhere.
"""


SOCIAL_POST_SHORT = "{{ copy.headline }}. Book a demo with {{ partner.name }}.\n"


def make_social_template(root: Path) -> Path:
    """A social template: the image layouts of the test template, and post texts with hashtags."""
    return make_template(root, **{"template.toml": SOCIAL_TEMPLATE_TOML, "post.txt": SOCIAL_POST,
                                  "post-short.txt": SOCIAL_POST_SHORT})  # fmt: skip


EMAIL_TEMPLATE_TOML = """title = "Test newsletter"
description = "An HTML e-mail with a co-branded header image, the partner's contacts and merge tags"

[copy]
subject = "Live demo: fast, safe networking with {{ partner.name }}"
preheader = "Join our 30-minute webinar."
headline = "See fast, safe networking live"
greeting = "Hello {{first_name}},"
cta = "Save my seat"
contact_title = "Your partner"
unsubscribe = "Unsubscribe"
view_online = "View in your browser"

[fields]
partner = ["name", "logo", "email", "phone", "website", "tracked_url"]

[[outputs]]
name = "newsletter"
kind = "email"
mjml = "newsletter.mjml"
text = "newsletter.txt"
header = "header.toml"
"""


EMAIL_MJML = """<mjml lang="{{ partner.locale }}">
  <mj-head>
    <mj-title>{{ subject }}</mj-title>
    <mj-preview>{{ preheader }}</mj-preview>
    <mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /></mj-attributes>
  </mj-head>
  <mj-body width="600px">
    <mj-section><mj-column>
      <mj-text><a href="{{ placeholders.view_in_browser_url }}">{{ copy.view_online }}</a></mj-text>
    </mj-column></mj-section>
    {% if header_url %}<mj-section padding="0"><mj-column>
      <mj-image src="{{ header_url }}" width="600px" padding="0" alt="{{ brand.name }}" href="{{ tracked_url }}" />
    </mj-column></mj-section>{% endif %}
    <mj-section><mj-column>
      <mj-text>{{ copy.greeting }}</mj-text>
      <mj-text font-size="26px" color="{{ brand.colors.primary }}">{{ copy.headline }}</mj-text>
      <mj-button href="{{ tracked_url }}" background-color="{{ brand.colors.accent }}">{{ copy.cta }}</mj-button>
      <mj-text><strong>{{ copy.contact_title }}: {{ partner.name }}</strong><br>
        {% if partner.email %}<a href="mailto:{{ partner.email }}">{{ partner.email }}</a>{% endif %}</mj-text>
      <mj-text font-size="12px">{{ disclaimer }}<br>{{ placeholders.sender_address }} ·
        <a href="{{ placeholders.unsubscribe_url }}">{{ copy.unsubscribe }}</a></mj-text>
    </mj-column></mj-section>
  </mj-body>
</mjml>
"""


EMAIL_TEXT = """{{ copy.greeting }}

{{ copy.headline }}

{{ copy.cta }}: {{ tracked_url }}

--
{{ copy.contact_title }}: {{ partner.name }}
{% if partner.email %}{{ partner.email }}
{% endif %}
{{ disclaimer }}
{{ placeholders.sender_address }}
{{ copy.unsubscribe }}: {{ placeholders.unsubscribe_url }}
{{ copy.view_online }}: {{ placeholders.view_in_browser_url }}
"""


EMAIL_HEADER_TOML = """[[sizes]]
width = 600
height = 200

[[sizes.layers]]
type = "background"
color = "primary"

[[sizes.layers]]
type = "brand_logo"
box = [32, 70, 232, 60]

[[sizes.layers]]
type = "partner_logo"
box = [328, 58, 224, 76]
align = "center"
"""


def make_email_template(root: Path) -> Path:
    """An e-mail template: MJML and plain-text bodies and a 600 × 200 header image."""
    return make_template(root, **{"template.toml": EMAIL_TEMPLATE_TOML, "newsletter.mjml": EMAIL_MJML,
                                  "newsletter.txt": EMAIL_TEXT, "header.toml": EMAIL_HEADER_TOML})  # fmt: skip
