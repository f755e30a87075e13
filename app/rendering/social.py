"""Social posts: the post text for each network, with the partner's short link and hashtags, within limits.

LinkedIn allows 3,000 characters and Facebook 63,206. X allows 280 *weighted* characters:
every URL counts as 23 (t.co), and characters outside the Latin, Greek, Cyrillic … ranges
(CJK, emoji) count 2, as in twitter-text's v3 configuration. A text over a limit is shortened
at a word boundary with "…"; the link is never dropped, hashtags only when nothing else fits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.errors import TemplateInvalid
from app.rendering.context import base_context, partner_context
from app.rendering.jinja import render_text
from app.rendering.model import (
    BrandKit,
    CampaignInput,
    CampaignTemplate,
    PartnerInput,
    RenderedFile,
    SocialOutput,
)

LIMITS = {"linkedin": 3000, "x": 280, "facebook": 63206}
"""Post length limits, in each network's own way of counting."""
X_URL_LENGTH = 23
"""X shortens every link to a t.co URL of this many characters."""
_URL = re.compile(r"https?://\S+")
_X_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
"""Code point ranges X counts as 1; everything else counts 2."""


def x_length(text: str) -> int:
    """The length X counts: URLs as 23, wide characters (CJK, emoji) as 2."""
    total, last = 0, 0
    for match in _URL.finditer(text):
        total += _weight(text[last : match.start()]) + X_URL_LENGTH
        last = match.end()
    return total + _weight(text[last:])


def _weight(text: str) -> int:
    return sum(1 if any(lo <= ord(c) <= hi for lo, hi in _X_LIGHT) else 2 for c in text)


def post_length(network: str, text: str) -> int:
    return x_length(text) if network == "x" else len(text)


def compose(network: str, body: str, link: str, hashtags: Sequence[str]) -> str:
    """Body, link and hashtags as one post within the network's limit."""
    limit = LIMITS[network]
    tags = [f"#{tag.lstrip('#')}" for tag in hashtags]
    body = " ".join(body.split()) if network == "x" else body.strip()
    while True:
        tail = "\n\n".join(part for part in (link, " ".join(tags)) if part)
        text = f"{body}\n\n{tail}" if body else tail
        if post_length(network, text) <= limit:
            return text
        room = limit - post_length(network, f"…\n\n{tail}")
        if room >= 40 or not tags:  # shorten the words before giving up hashtags
            return f"{_shorten(network, body, max(room, 0))}…\n\n{tail}"
        tags.pop()


def _shorten(network: str, body: str, room: int) -> str:
    """The longest start of body, cut at a space, that counts at most room."""
    words = body.split(" ")
    kept: list[str] = []
    for word in words:
        candidate = " ".join([*kept, word])
        if post_length(network, candidate) > room:
            break
        kept.append(word)
    if not kept:  # one very long word: cut it by characters
        cut = ""
        for char in body:
            if post_length(network, cut + char) > room:
                break
            cut += char
        return cut
    return " ".join(kept).rstrip(" ,;:")


def render_post(
    kit: BrandKit,
    template: CampaignTemplate,
    output: SocialOutput,
    partner: PartnerInput,
    campaign: CampaignInput,
) -> RenderedFile:
    """The post texts as JSON: {"link", "hashtags", "text": {network: text}}."""
    context: dict[str, Any] = base_context(kit, template, partner, campaign, "social")
    context["partner"] = partner_context(partner, None)
    link = context["tracked_url"]
    long = _render(output.post, context)
    short = _render(output.post_short, context) if output.post_short else long
    texts = {
        "linkedin": compose("linkedin", long, link, output.hashtags),
        "x": compose("x", short, link, output.hashtags),
        "facebook": compose("facebook", long, link, output.hashtags),
    }
    data = {"link": link, "hashtags": list(output.hashtags), "text": texts}
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    return RenderedFile(output.post_id, body, "application/json", "json")


def _render(path: Path, context: dict[str, Any]) -> str:
    try:
        source = path.read_text("utf-8")
    except OSError as exc:
        raise TemplateInvalid(f"{path}: {exc.strerror}") from exc
    return render_text(source, context, where=path.name).strip()
