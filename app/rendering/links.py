"""Tracked links: the campaign landing URL tagged per partner, and how a URL is printed."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from app.rendering.model import CampaignInput, PartnerInput


def tracked_url(partner: PartnerInput, campaign: CampaignInput, channel: str | None = None) -> str:
    """The campaign landing URL (or the partner's website) tagged with UTM parameters.

    With a channel (a short link's target), utm_medium names the channel and utm_content the
    partner type; without one, utm_medium is the partner type.
    """
    base = campaign.landing_url or partner.website
    if not base:
        return ""
    if "://" not in base:
        base = f"https://{base}"
    parts = urlsplit(base)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    medium = channel or partner.type
    query += [("utm_source", partner.slug), ("utm_medium", medium), ("utm_campaign", campaign.slug)]
    if channel:
        query.append(("utm_content", partner.type))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def display_url(url: str) -> str:
    """A URL as printed on paper: no scheme."""
    return url.split("://", 1)[-1]
