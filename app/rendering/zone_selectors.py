"""Whether a batch's document leaves every author selector matching as on each partner's page alone.

zone_batch.py puts many partners' pruned pages in one body (or each in a wrapper element). A
page's body children then have other partners' elements as siblings (or a wrapper as parent),
so structural selectors (``.zone:last-child``, ``:nth-child(3)``, ``~``, ``body > .zone``) may
match differently than on the page alone. This matches every selector of the template's CSS
against both trees with cssselect2 (the selector engine WeasyPrint uses) and compares, element by
element, what matches each partner's drawn elements (the zone's ancestors, the zone and its
content) and the wrappers (which must match nothing). Hidden siblings are not drawn, so only
their effect on the others counts.

The selectors are compiled once per template output (SelectorCheck.of); the matching is done on
each batch's own tree, so the verdict is exact for its partners' contents and its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import cssselect2
import tinycss2

from app.rendering.stamp import HIDDEN

Matches = frozenset[tuple[int, str | None, bool]]
"""The selectors (their order in the template's CSS) and pseudo-elements that match one element,
and whether the selector's rule sets page breaks only (BREAKS)."""

BREAKS = frozenset(("break-before", "break-after", "page-break-before", "page-break-after"))
"""Where a partner's page starts in a batch, a forced break is there anyway (an !important
break-before on the next page's first element): a rule setting only these may match a page's
first element in the body differently, as ``.page:last-child { break-after: auto }`` does (a
left/right break that would add a page is caught by the batch's page count)."""


@dataclass(frozen=True)
class Page:
    """What matches a partner's page alone: its root, its body and each drawn element inside."""

    root: Matches
    body: Matches
    inside: list[tuple[ElementTree.Element, Matches]]


_NESTING_AT_RULES = frozenset(("media", "supports", "layer", "container", "document"))


class SelectorCheck:
    """The template output's author selectors, compiled to match batch and alone trees."""

    def __init__(self, matcher: cssselect2.Matcher) -> None:
        self.matcher = matcher

    @classmethod
    def of(cls, root: ElementTree.Element, css: Iterable[Path]) -> SelectorCheck | None:
        """The selectors of css files and root's <style> elements; None if they cannot all be known.

        A linked stylesheet or @import is not read here, and a nested rule or a selector cssselect2
        cannot compile is not matched: any of them makes the batch fall back to a document per partner.
        """
        texts = [path.read_text(encoding="utf-8") for path in css]
        for element in root.iter():
            if element.tag == "link" and "stylesheet" in (element.get("rel") or "").lower():
                return None
            if element.tag == "style":
                texts.append("".join(element.itertext()))
        matcher = cssselect2.Matcher()
        try:
            for text in texts:
                for rule in _rules(tinycss2.parse_stylesheet(text, True, True)):
                    declarations = tinycss2.parse_blocks_contents(rule.content, True, True)
                    names = {d.lower_name for d in declarations if d.type == "declaration"}
                    for selector in cssselect2.compile_selector_list(rule.prelude):
                        matcher.add_selector(selector, bool(names) and names <= BREAKS)
        except (_Uncheckable, cssselect2.SelectorError):
            return None
        return cls(matcher)

    def drawn(self, root: ElementTree.Element, body: ElementTree.Element) -> Page:
        """What matches root, body and each drawn element in body (a partner's page alone)."""
        drawn = list(_drawn(body))
        wanted = {id(root), *(id(element) for element in drawn)}
        found = {id(w.etree_element): self._matches(w) for w in _walk(root) if id(w.etree_element) in wanted}
        return Page(found[id(root)], found[id(body)], [(e, found[id(e)]) for e in drawn[1:]])

    def alike(
        self,
        batch_root: ElementTree.Element,
        batch_body: ElementTree.Element,
        pages: list[Page],
        wrappers: list[ElementTree.Element],
        page_tops: list[ElementTree.Element],
    ) -> bool:
        """Whether the batch tree matches each page's drawn elements as alone, and no wrapper.

        page_tops: the elements a page of the batch starts or ends at, whose page-break rules may differ.
        """
        wanted = {id(batch_root), id(batch_body), *(id(w) for w in wrappers)}
        wanted.update(id(element) for page in pages for element, _ in page.inside)
        found = {
            id(w.etree_element): self._matches(w) for w in _walk(batch_root) if id(w.etree_element) in wanted
        }
        if any(found.get(id(wrapper)) != frozenset() for wrapper in wrappers):
            return False
        tops = {id(element) for element in page_tops}

        def same(element: ElementTree.Element, alone: Matches) -> bool:
            batched = found.get(id(element))
            if batched is None or id(element) not in tops:
                return batched == alone
            return {m for m in batched ^ alone if not m[2] or m[1] is not None} == set()

        return all(
            found[id(batch_root)] == page.root
            and found[id(batch_body)] == page.body
            and all(same(element, alone) for element, alone in page.inside)
            for page in pages
        )

    def _matches(self, element: cssselect2.ElementWrapper) -> Matches:
        return frozenset((order, pseudo, breaks) for _, order, pseudo, breaks in self.matcher.match(element))


class _Uncheckable(Exception):
    """CSS this check does not match exactly (see SelectorCheck.of)."""


def _rules(rules: list[Any]) -> Iterator[Any]:
    for rule in rules:
        if rule.type == "error":
            raise _Uncheckable(rule.message)
        if rule.type == "qualified-rule":
            if any(token.type == "{} block" for token in rule.content):
                raise _Uncheckable("a nested rule")
            yield rule
        elif rule.type == "at-rule":
            if rule.lower_at_keyword == "import":
                raise _Uncheckable("@import")
            if rule.lower_at_keyword in _NESTING_AT_RULES and rule.content is not None:
                yield from _rules(tinycss2.parse_rule_list(rule.content, True, True))


def _walk(root: ElementTree.Element) -> Iterator[cssselect2.ElementWrapper]:
    yield from cssselect2.ElementWrapper.from_html_root(root).iter_subtree()


def _drawn(body: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """body and its descendants but the head and hidden ones (emptied, not drawn)."""
    yield body
    for child in body:
        if isinstance(child.tag, str) and child.tag != "head" and HIDDEN not in child.attrib:
            yield from _drawn(child)
