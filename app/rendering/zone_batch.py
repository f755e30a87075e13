"""Many partners' co-brand zones in one WeasyPrint document, one page per partner.

WeasyPrint's cost per document is largely fixed (the user-agent stylesheet's cascade, building
boxes, subsetting and writing fonts), so a batch lays its partners' zones out together: each
partner's page is its zone-only overlay (stamp.prune_to_zone), appended to the first one's
body with a page break, and the whole batch is written once, fonts subset once. Every page is
then stamped onto the master as in stamp.py, the overlay parsed once and its shared objects
(fonts, the QR code's images) deflated once for the whole batch.

The batch is only used when it lays out as the single overlays would: every selector of the
template matching each partner's drawn elements as on its page alone (zone_selectors.py: in one
body, ``.zone:last-child`` would match only the last partner's zone), one page per partner, the
zone element of each page exactly on the declared zone. Anything else falls back to one
overlay per partner, and that one to the full render; partners never wait on one another's
errors (a bad logo fails its own asset, not the batch).

A page break does not move an out-of-flow box (a zone with ``position: absolute``, common in
print templates): all its zones land on one page. Such a batch, or one whose selectors see the
other partners' body children, is laid out again with each
partner's body children wrapped in a PAGE_WRAPPER element, the later ones breaking the page;
WeasyPrint places an absolute box on the page of its placeholder. The template output is then
remembered, and its later batches are wrapped at once.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from io import BytesIO
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import tinycss2
from pypdf import PdfReader
from tinyhtml5.parser import HTMLParser
from weasyprint import HTML

from app.errors import CobrandError
from app.rendering.context import resolve_copy
from app.rendering.logos import PreparedLogo
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PartnerInput, PdfOutput
from app.rendering.pdf_update import OverlayCache, stamp_page
from app.rendering.stamp import (
    PAGE_BREAK,
    PAGE_WRAPPER,
    ZONE_ANCHOR,
    Master,
    ZoneElement,
    ZoneMismatch,
    anchors_on,
    prune_to_zone,
    resolve_path,
    zone_rect_px,
)
from app.rendering.zone_selectors import Page, SelectorCheck

if TYPE_CHECKING:
    from app.rendering.stamp import ZoneStamper


@dataclass(frozen=True)
class ZoneJob:
    """One partner's request in a batch."""

    partner: PartnerInput
    campaign: CampaignInput
    logo: PreparedLogo | None


Outcome = tuple[bytes, list[str]] | CobrandError
"""A partner's PDF and its fit warnings, or the input error that failed it."""


def render_zones(
    stamper: ZoneStamper,
    kit: BrandKit,
    template: CampaignTemplate,
    output: PdfOutput,
    jobs: Sequence[ZoneJob],
) -> list[Outcome]:
    """Render one PDF output with a co-brand zone for many partners, in order.

    Partners share a batch when they share a master (the campaign's copy in their language).
    """
    results: list[Outcome | None] = [None] * len(jobs)
    groups: dict[tuple[object, ...], list[int]] = {}
    for index, job in enumerate(jobs):
        groups.setdefault(_campaign_key(job.campaign), []).append(index)
    for indices in groups.values():
        master = stamper.master(kit, template, output, jobs[indices[0]].campaign)
        batched: list[tuple[int, str, list[str]]] = []
        for index in indices:
            job = jobs[index]
            if not _stampable(master, template, job):
                results[index] = _one(stamper, kit, template, output, job)
                continue
            warnings: list[str] = []
            try:
                context = stamper.pdf.context(
                    kit, template, output, job.partner, job.campaign, job.logo, warnings
                )
                batched.append((index, stamper.pdf.render_html(output, template, context), warnings))
            except CobrandError as exc:
                results[index] = exc
        if not batched:
            continue
        htmls = [html for _, html, _ in batched]
        key = _output_key(kit, template, output)
        wrap = key in stamper.wrapped_outputs
        pages: list[bytes] | None = None
        try:
            pages = _overlay_batch(stamper, kit, template, output, htmls, master, wrap)
        except (_PageCountMismatch, _SelectorsDiffer):
            # An out-of-flow zone, or selectors that see the other partners' body children as
            # siblings: try once wrapped, and remember it if that works.
            if not wrap:
                try:
                    pages = _overlay_batch(stamper, kit, template, output, htmls, master, wrap=True)
                    stamper.wrapped_outputs.get_or_make(key, lambda: True)
                except ZoneMismatch:
                    pass
        except ZoneMismatch:
            pass
        for position, (index, _, warnings) in enumerate(batched):
            if pages is None:
                results[index] = _one(stamper, kit, template, output, jobs[index])
            else:
                results[index] = (pages[position], warnings)
        if pages is not None:
            stamper.zones_batched += len(pages)
    return [result for result in results if result is not None]


def _stampable(master: Master, template: CampaignTemplate, job: ZoneJob) -> bool:
    if master.pdf is None or master.zone is None:
        return False
    return not (
        master.fields_outside and resolve_copy(template, job.campaign).fields != master.default_fields
    )


def _output_key(kit: BrandKit, template: CampaignTemplate, output: PdfOutput) -> tuple[object, ...]:
    return (kit.slug, kit.version, template.slug, template.version, output.name)


def _campaign_key(campaign: CampaignInput) -> tuple[object, ...]:
    """What a master depends on in a campaign (as ZoneStamper.master_key)."""
    return (
        campaign.slug, campaign.title, campaign.landing_url, tuple(sorted(campaign.copy_overrides.items())),
        campaign.locale,
    )  # fmt: skip


def _one(
    stamper: ZoneStamper, kit: BrandKit, template: CampaignTemplate, output: PdfOutput, job: ZoneJob
) -> Outcome:
    try:
        return stamper.render(kit, template, output, job.partner, job.campaign, job.logo)
    except CobrandError as exc:
        return exc


class _PageCountMismatch(ZoneMismatch):
    """The batch's zones did not each start a page (an out-of-flow zone ignores a page break)."""


class _SelectorsDiffer(ZoneMismatch):
    """A selector of the template matches a partner's page in the batch otherwise than alone."""


def _overlay_batch(
    stamper: ZoneStamper,
    kit: BrandKit,
    template: CampaignTemplate,
    output: PdfOutput,
    htmls: list[str],
    master: Master,
    wrap: bool = False,
) -> list[bytes]:
    """Lay the zones of htmls out as the pages of one document and stamp each onto the master.

    wrap: each partner's page in a PAGE_WRAPPER element, not a page break on the zone's chain top.
    """
    assert master.pdf is not None and master.zone is not None and output.cobrand_zone is not None
    base_url = template.root.as_uri() + "/"
    fetcher = stamper.pdf.fetcher(kit, template)
    document_html: HTML | None = None
    body: ElementTree.Element | None = None
    head_markup = b""
    reference: _ZoneSource | None = None
    check: SelectorCheck | None = None
    alone: list[Page] = []
    wrappers: list[ElementTree.Element] = []
    for html in htmls:
        page_body = reference.page(html) if reference is not None else None
        page_root: ElementTree.Element | None = None
        if page_body is None:
            parsed = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
            root = page_root = parsed.etree_element
            if document_html is None:
                if wrap and not _matches_alike_wrapped(root, output):
                    raise ZoneMismatch("the template's selectors may match differently in page wrappers")
                key = _output_key(kit, template, output)
                check = stamper.selector_checks.get_or_make(key, partial(SelectorCheck.of, root, output.css))
                if check is None:
                    raise ZoneMismatch("the template's stylesheets cannot all be matched for a batch")
                reference = _ZoneSource.find(html, root, master.zone)
            if not prune_to_zone(root, master.zone):
                raise ZoneMismatch("the zone element is not where the master has it")
            head = root.find("head")
            markup = ElementTree.tostring(head) if head is not None else b""
            page_body = root.find("body")
            if page_body is None:
                raise ZoneMismatch("the overlay has no body")
            if document_html is None:
                assert check is not None
                document_html, body, head_markup = parsed, page_body, markup
                alone.append(check.drawn(root, page_body))  # before the batch changes its tree
                if reference is not None:
                    reference.keep_skeleton(page_body)
                if wrap:
                    wrapper = ElementTree.Element(PAGE_WRAPPER)
                    wrapper.extend(list(page_body))
                    for child in list(page_body):
                        page_body.remove(child)
                    page_body.append(wrapper)
                    wrappers.append(wrapper)
                continue
            if markup != head_markup:
                raise ZoneMismatch("partners' pages differ outside the zone (head)")
        if body is None or document_html is None or check is None:
            raise ZoneMismatch("the batch has no first page")
        if page_root is None:
            page_root = _alone_root(document_html.etree_element, page_body)
        alone.append(check.drawn(page_root, page_body))
        if wrap:
            wrapper = ElementTree.SubElement(body, PAGE_WRAPPER)
            wrapper.extend(list(page_body))
            wrappers.append(wrapper)
            continue
        chain_top = page_body[master.zone.path[1]]
        chain_top.set(PAGE_BREAK, "")
        for child in list(page_body):
            body.append(child)
    assert document_html is not None and body is not None and check is not None
    # Where a page starts in one body (its chain top), a forced break is there anyway.
    tops = [] if wrap else [body[master.zone.path[1]], *(c for c in body if PAGE_BREAK in c.attrib)]
    if not check.alike(document_html.etree_element, body, alone, wrappers, tops):
        raise _SelectorsDiffer("a selector matches a partner's page in the batch otherwise than alone")
    document = stamper.layout(document_html, kit, template, output, stamper.overlay_css)
    if len(document.pages) != len(htmls):
        raise _PageCountMismatch(f"{len(htmls)} zones laid out on {len(document.pages)} pages")
    rect = zone_rect_px(output.cobrand_zone)
    for page in document.pages:
        if ZONE_ANCHOR not in anchors_on(page, rect):
            raise ZoneMismatch("a zone of the batch is not laid out at the declared position")
    overlay = BytesIO()
    document.write_pdf(overlay, pdf_identifier=b"cobrand", uncompressed_pdf=True)
    reader = PdfReader(BytesIO(overlay.getvalue()))
    cache = OverlayCache()
    return [stamp_page(master.pdf, page, cache) for page in reader.pages]


def _alone_root(first_root: ElementTree.Element, page_body: ElementTree.Element) -> ElementTree.Element:
    """A page whose zone alone was parsed, as alone: the first page's root and head, and page_body."""
    root = ElementTree.Element(first_root.tag, dict(first_root.attrib))
    head = first_root.find("head")
    root.extend([page_body] if head is None else [head, page_body])
    return root


# --- Whether page wrappers leave every selector matching as on a page alone ---------------------


def _matches_alike_wrapped(root: ElementTree.Element, output: PdfOutput) -> bool:
    """Whether the template's CSS (files and <style> elements of root) is safe to lay out wrapped.

    A wrapper adds an element between the body and its children; nothing else moves, so inside a
    wrapper siblings and their indices are those of a page alone. A selector can only match
    differently through a compound that may match the wrapper (``*``, or one of pseudo-classes
    only such as ``:not(.a)``; its tag of its own matches no type selector) or through a child
    combinator (``body > .zone``). Scanning the selectors' tokens for those is cheap and errs on
    the safe side (matching every rule on both trees would be exact, but a cascade per batch).
    So any ``>``, ``+``, ``~`` (simpler than telling which are safe), ``*``, ``|``, a compound
    starting with a pseudo-class, a nested rule, ``@import`` or a linked stylesheet refuses
    wrappers, and the batch falls back to a document per partner.
    """
    texts = [path.read_text(encoding="utf-8") for path in output.css]
    for element in root.iter():
        if element.tag == "link" and "stylesheet" in (element.get("rel") or "").lower():
            return False
        if element.tag == "style":
            texts.append("".join(element.itertext()))
    return all(_rules_alike(tinycss2.parse_stylesheet(text, True, True)) for text in texts)


_NESTING_AT_RULES = frozenset(("media", "supports", "layer", "container", "document"))


def _rules_alike(rules: list[Any]) -> bool:
    for rule in rules:
        if rule.type == "error":
            return False
        if rule.type == "qualified-rule":
            if any(token.type == "{} block" for token in rule.content) or not _selector_alike(rule.prelude):
                return False  # a nested rule, or a selector a wrapper may change
        elif rule.type == "at-rule":
            if rule.lower_at_keyword == "import":
                return False
            if rule.lower_at_keyword in _NESTING_AT_RULES and rule.content is not None:
                if not _rules_alike(tinycss2.parse_rule_list(rule.content, True, True)):
                    return False
    return True


_REFUSED = frozenset((">", "+", "~", "*", "|", "||"))


def _selector_alike(tokens: list[Any]) -> bool:
    """Whether a selector's tokens (nested functions and brackets too) avoid what a wrapper can change."""
    previous: Any = None
    for index, token in enumerate(tokens):
        if token.type == "literal" and token.value in _REFUSED:
            return False
        starts_compound = (
            previous is None
            or previous.type in ("whitespace", "comment")
            or (previous.type == "literal" and previous.value == ",")
        )
        if token.type == "literal" and token.value == ":" and starts_compound:
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is None or following.type != "literal" or following.value != ":":
                return False  # a pseudo-class alone; a pseudo-element (::before) is fine
        if token.type == "function" and not _selector_alike(token.arguments):
            return False
        if token.type in ("[] block", "() block") and not _selector_alike(token.content):
            return False
        previous = token
    return True


# --- Parsing only the zone of the batch's other partners ---------------------------------------

_DATA_URI = re.compile(r"data:[A-Za-z0-9+/=;:,._-]{256,}")
"""Long data: URIs (logos, QR codes) in base64: swapped for short tokens while parsing (the
HTML tokenizer is slowest on long attribute values) and put back after; nothing in them is parsed."""
_TOKEN = "cobrand-uri-token-"


class _ZoneSource:
    """Where the zone's content sits in the first partner's HTML, to parse only that of the others.

    The markup outside the zone is the same for every partner of a master (stamp.py checks it), so
    a partner's page is the first one's pruned page with the zone's content replaced. A partner's
    HTML is used this way only when it differs from the first one's inside the zone's content alone
    and that content parses as a fragment without a single parse error; the first one's content
    must parse, as a fragment, to exactly the children the full parse gave its zone element.
    Anything else is parsed in full, as before.
    """

    def __init__(self, html: str, start: int, end: int, zone: ZoneElement) -> None:
        self.html = html
        self.start = start
        self.end = end
        self.zone = zone
        self.skeleton: list[ElementTree.Element] = []

    @classmethod
    def find(cls, html: str, root: ElementTree.Element, zone: ZoneElement) -> _ZoneSource | None:
        """The zone's content span in html (parsed as root, not yet pruned), if it can be found for sure."""
        chain = resolve_path(root, zone)
        if chain is None or len(zone.path) < 2 or not zone.tag.isalnum():
            return None
        element = chain[-1]
        position = [e for e in root.iter(zone.tag)].index(element)
        starts = [m.start() for m in re.finditer(rf"<{zone.tag}[\s>/]", html, re.IGNORECASE)]
        if position >= len(starts):
            return None
        open_end = html.find(">", starts[position]) + 1
        depth, end = 1, -1
        for match in re.finditer(rf"<(/?){zone.tag}[\s>/]", html[open_end:], re.IGNORECASE):
            depth += -1 if match.group(1) else 1
            if depth == 0:
                end = open_end + match.start()
                break
        if open_end <= 0 or end < 0:
            return None
        parsed = _parse_content(html[open_end:end], zone.tag)
        if parsed is None or _content(parsed) != _content(element):
            return None
        return cls(html, open_end, end, zone)

    def keep_skeleton(self, page_body: ElementTree.Element) -> None:
        """Keep a copy of the first partner's pruned page (before it is laid out)."""
        self.skeleton = [copy.deepcopy(child) for child in page_body]

    def page(self, html: str) -> ElementTree.Element | None:
        """html's pruned page: the first one's with html's zone content, or None to parse it in full."""
        if not self.skeleton:
            return None
        tail = len(self.html) - self.end
        if len(html) < self.start + tail or html[: self.start] != self.html[: self.start]:
            return None
        if html[len(html) - tail :] != self.html[self.end :]:
            return None
        content = _parse_content(html[self.start : len(html) - tail], self.zone.tag)
        if content is None:
            return None
        page_body = ElementTree.Element("body")
        page_body.extend(copy.deepcopy(child) for child in self.skeleton)
        element = page_body[self.zone.path[1]]
        for index in self.zone.path[2:]:
            element = element[index]
        for child in list(element):
            element.remove(child)
        element.text = content.text
        element.extend(list(content))
        return page_body


def _parse_content(markup: str, container: str) -> ElementTree.Element | None:
    """markup parsed as the content of a container element, or None if the parser reports any error."""
    uris: list[str] = []
    if _TOKEN not in markup:

        def token(match: re.Match[str]) -> str:
            uris.append(match.group(0))
            return f"{_TOKEN}{len(uris) - 1}-"

        markup = _DATA_URI.sub(token, markup)
    parser = HTMLParser(namespace_html_elements=False)
    fragment: ElementTree.Element = parser.parse_fragment(markup, container=container)
    if parser.errors:
        return None
    if uris:
        restore = re.compile(rf"{_TOKEN}(\d+)-")

        def put_back(text: str) -> str:
            return restore.sub(lambda match: uris[int(match.group(1))], text)

        for node in fragment.iter():
            for name, value in node.attrib.items():
                if _TOKEN in value:
                    node.set(name, put_back(value))
            if node.text and _TOKEN in node.text:
                node.text = put_back(node.text)
            if node.tail and _TOKEN in node.tail:
                node.tail = put_back(node.tail)
    return fragment


def _content(element: ElementTree.Element) -> tuple[str | None, list[bytes]]:
    return element.text, [ElementTree.tostring(child) for child in element]
