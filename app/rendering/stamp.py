"""Lay out once, stamp per partner: the master page + variable overlay of variable-data printing.

A PDF output that declares a co-brand zone is laid out once per campaign as a *master* whose
zone element is laid out but hidden (``visibility: hidden`` keeps every other box exactly where
the full render puts it). Per partner only the zone is laid out: the same HTML, with every
element that is neither the zone, one of its descendants nor one of its ancestors emptied and
hidden, so the zone keeps its position, size and styles. That overlay page is written by
WeasyPrint (fonts subset and embedded), and its content stream and resources are appended to
the master as a PDF *incremental update*: a Form XObject clipped to the zone, drawn after the
master page's own content. Nothing of the master is parsed or rewritten per partner.

The zone element is found by geometry: the outermost element whose border box is the declared
zone rectangle. A master is only used when the template keeps its promise that everything
partner-specific sits inside the zone: the master's markup outside the zone must not change
between two different partners. Partner-editable fields (``fields.*``) used outside the zone
key the master by their values; a partner whose values differ from the defaults then gets the
full render, so one partner's edits never fill the cache with one-off masters.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from io import BytesIO
from typing import Any, Protocol
from xml.etree import ElementTree

from pypdf import PageObject, PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)
from weasyprint import CSS, HTML

from app.errors import TemplateInvalid
from app.rendering.context import resolve_copy
from app.rendering.logos import PreparedLogo
from app.rendering.model import BrandKit, CampaignInput, CampaignTemplate, PartnerInput, PdfOutput, Zone
from app.rendering.pdf import PDF_VARIANT, ForbiddenResource, PdfRenderer, _BoundedCache

PX_PER_MM = 96 / 25.4
PT_PER_MM = 72 / 25.4
ZONE_TOLERANCE_PX = 0.5
"""How far (CSS px) the zone element's border box may be from the declared zone."""
XOBJECT_NAME = "/CobrandZone"
COMPRESSION_LEVEL = 6
"""zlib level for the overlay's streams: as small as level 9 on fonts and content, 3× faster."""

HIDDEN = "data-cobrand-hidden"
ANCESTOR = "data-cobrand-ancestor"
ZONE = "data-cobrand-zone"
MASTER_CSS = f"[{ZONE}], [{ZONE}] * {{ visibility: hidden !important }}"
"""The master lays the zone out but draws none of it."""
OVERLAY_CSS = (
    f"[{HIDDEN}] {{ display: none !important }}\n"
    f"[{ANCESTOR}] {{ visibility: hidden !important }}\n"
    f"html, body {{ background: none !important }}\n"
    f"@page {{ background: none !important }}\n"
    f"[{ZONE}] {{ visibility: visible !important }}"
)
"""The overlay draws the zone and nothing else; its ancestors only give it its place."""


class ZoneMismatch(Exception):
    """The overlay did not lay the zone out where the master did: use the full render."""


@dataclass(frozen=True)
class ZoneElement:
    """Where the zone element sits in the HTML tree: child indices from the root, tag, class."""

    path: tuple[int, ...]
    tag: str
    classes: str


def _child_elements(element: ElementTree.Element) -> list[ElementTree.Element]:
    return list(element)


def element_path(root: ElementTree.Element, target: ElementTree.Element) -> tuple[int, ...] | None:
    """Child indices from root to target (None if target is not in the tree)."""

    def walk(node: ElementTree.Element, path: tuple[int, ...]) -> tuple[int, ...] | None:
        if node is target:
            return path
        for index, child in enumerate(node):
            found = walk(child, (*path, index))
            if found is not None:
                return found
        return None

    return walk(root, ())


def resolve_path(root: ElementTree.Element, zone: ZoneElement) -> list[ElementTree.Element] | None:
    """The chain root → zone element, or None if the markup there is not the zone's."""
    chain = [root]
    for index in zone.path:
        children = list(chain[-1])
        if index >= len(children):
            return None
        chain.append(children[index])
    element = chain[-1]
    if element.tag != zone.tag or (element.get("class") or "") != zone.classes:
        return None
    return chain


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def zone_rect_px(zone: Zone) -> tuple[float, float, float, float]:
    """The zone in layout pixels (WeasyPrint's origin is the trim box corner, as the zone's)."""
    return (
        zone.x_mm * PX_PER_MM,
        zone.y_mm * PX_PER_MM,
        zone.width_mm * PX_PER_MM,
        zone.height_mm * PX_PER_MM,
    )


def find_zone_box(page_box: Any, rect: tuple[float, float, float, float]) -> Any | None:
    """The outermost box of an element laid out exactly on rect."""
    for box in _boxes(page_box):
        if getattr(box, "element", None) is None or getattr(box, "element_tag", None) is None:
            continue
        try:
            found = (
                box.border_box_x(),
                box.border_box_y(),
                box.border_width(),
                box.border_height(),
            )
        except (TypeError, AttributeError):
            continue
        if all(abs(a - b) <= ZONE_TOLERANCE_PX for a, b in zip(found, rect, strict=True)):
            return box
    return None


def mark_master(root: ElementTree.Element, zone: ZoneElement) -> bool:
    """Mark the zone element so MASTER_CSS hides it; False if the markup does not fit."""
    chain = resolve_path(root, zone)
    if chain is None:
        return False
    chain[-1].set(ZONE, "")
    return True


def prune_to_zone(root: ElementTree.Element, zone: ZoneElement) -> bool:
    """Keep the zone, its descendants and its ancestors; empty and hide everything else.

    Hidden siblings keep their tag and attributes so structural selectors (:nth-child,
    :last-child, +) still match as in the full page. The head is kept whole (styles).
    """
    chain = resolve_path(root, zone)
    if chain is None:
        return False
    for depth, ancestor in enumerate(chain[:-1]):
        keep = chain[depth + 1]
        if ancestor is not root:
            ancestor.set(ANCESTOR, "")
        ancestor.text = None
        for child in ancestor:
            if child is keep or child.tag == "head" or not isinstance(child.tag, str):
                continue
            for grandchild in list(child):
                child.remove(grandchild)
            child.text = None
            child.set(HIDDEN, "")
        for child in ancestor:
            if child.tag != "head":
                child.tail = None
    root.set(ANCESTOR, "")
    chain[-1].set(ZONE, "")
    return True


# --- The PDF side: append an overlay page to a master as an incremental update -----------------


_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


@dataclass(frozen=True)
class MasterPdf:
    """A laid-out master and what an incremental update needs to know about it."""

    data: bytes
    page_index: int
    page_number: int
    """Object number of the page that carries the zone."""
    page: DictionaryObject
    resources: DictionaryObject
    size: int
    """The trailer's /Size: the first free object number."""
    startxref: int
    trailer: DictionaryObject
    bbox: tuple[float, float, float, float]
    """The zone in PDF user space."""

    @classmethod
    def parse(cls, data: bytes, zone: Zone) -> MasterPdf:
        reader = PdfReader(BytesIO(data))
        page_index = zone.page - 1
        page = reader.pages[page_index]
        match = _STARTXREF.search(data[-64:])
        if match is None:
            raise ValueError("master PDF has no startxref")
        trim = [float(v) for v in page.get("/TrimBox", page.mediabox)]
        left, top = trim[0], trim[3]
        bbox = (
            left + zone.x_mm * PT_PER_MM,
            top - (zone.y_mm + zone.height_mm) * PT_PER_MM,
            left + (zone.x_mm + zone.width_mm) * PT_PER_MM,
            top - zone.y_mm * PT_PER_MM,
        )
        page_dict = DictionaryObject({NameObject(k): v for k, v in page.items()})
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        # Resolve one level of the resources so the page can be rewritten with a new /XObject entry.
        resources_dict = DictionaryObject({NameObject(k): v for k, v in resources.items()})
        trailer = DictionaryObject(
            {NameObject(k): v for k, v in reader.trailer.items() if k in ("/Root", "/Info", "/ID")}
        )
        assert page.indirect_reference is not None
        return cls(
            data=data,
            page_index=page_index,
            page_number=page.indirect_reference.idnum,
            page=page_dict,
            resources=resources_dict,
            size=int(reader.trailer["/Size"]),  # type: ignore[call-overload]
            startxref=int(match.group(1)),
            trailer=trailer,
            bbox=bbox,
        )


class _Writer:
    """Serialise pypdf objects with the overlay's object numbers mapped onto new ones."""

    def __init__(self, first_number: int, deflated: dict[int, bytes] | None = None) -> None:
        self.deflated = {} if deflated is None else deflated
        self.next_number = first_number
        self.numbers: dict[int, int] = {}
        self.pending: list[tuple[int, Any]] = []

    def number_for(self, ref: IndirectObject) -> int:
        if ref.idnum not in self.numbers:
            number = self.numbers[ref.idnum] = self.next_number
            self.next_number += 1
            self.pending.append((number, ref.get_object()))
        return self.numbers[ref.idnum]

    def new_object(self, value: PdfObject) -> int:
        number = self.next_number
        self.next_number += 1
        self.pending.append((number, value))
        return number

    def serialise(self, value: Any, out: BytesIO, *, remap: bool = True) -> None:
        if isinstance(value, IndirectObject):
            number = self.number_for(value) if remap else value.idnum
            out.write(b"%d 0 R" % number)
        elif isinstance(value, StreamObject):
            raise ValueError("a stream can only be written as an indirect object")
        elif isinstance(value, DictionaryObject):
            out.write(b"<<")
            for key, item in value.items():
                NameObject(key).write_to_stream(out)
                out.write(b" ")
                self.serialise(item, out, remap=remap)
                out.write(b"\n")
            out.write(b">>")
        elif isinstance(value, ArrayObject):
            out.write(b"[")
            for index, item in enumerate(value):
                if index:
                    out.write(b" ")
                self.serialise(item, out, remap=remap)
            out.write(b"]")
        else:
            value.write_to_stream(out)

    def write_object(self, number: int, value: Any, out: BytesIO, *, remap: bool = True) -> None:
        out.write(b"%d 0 obj\n" % number)
        if isinstance(value, StreamObject):
            raw = value._data  # the encoded bytes, written back as they were read
            header = DictionaryObject({k: v for k, v in value.items() if k != "/Length"})
            if "/Filter" not in header:
                # The overlay is written uncompressed (WeasyPrint deflates at level 9 and packs
                # object streams, the slowest part of writing it); its streams are deflated here.
                key = id(value)
                if key not in self.deflated:
                    self.deflated[key] = zlib.compress(raw, COMPRESSION_LEVEL)
                raw = self.deflated[key]
                header[NameObject("/Filter")] = NameObject("/FlateDecode")
            header[NameObject("/Length")] = _number(len(raw))
            self.serialise(header, out, remap=remap)
            out.write(b"\nstream\n")
            out.write(raw)
            out.write(b"\nendstream")
        else:
            self.serialise(value, out, remap=remap)
        out.write(b"\nendobj\n")


def _number(value: int) -> PdfObject:
    return NumberObject(value)


def _stream(data: bytes, extra: dict[str, PdfObject] | None = None) -> StreamObject:
    stream = StreamObject()
    compressed = zlib.compress(data, COMPRESSION_LEVEL)
    stream._data = compressed
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    for key, value in (extra or {}).items():
        stream[NameObject(key)] = value
    return stream


def stamp(master: MasterPdf, overlay: bytes, overlay_page: int) -> bytes:
    """Append overlay's page, clipped to the zone, to the master's zone page as an update."""
    return stamp_page(master, PdfReader(BytesIO(overlay)).pages[overlay_page], {})


def stamp_page(master: MasterPdf, page: PageObject, deflated: dict[int, bytes]) -> bytes:
    """Append an overlay page (clipped to the zone) to the master's zone page as an update.

    deflated keeps the overlay's streams once compressed, by object: the pages of one overlay
    share their fonts, and each is deflated once per batch.
    """
    writer = _Writer(master.size, deflated)
    out = BytesIO()
    out.write(master.data)
    if not master.data.endswith(b"\n"):
        out.write(b"\n")

    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else DictionaryObject()
    bbox = ArrayObject(FloatObject(round(v, 4)) for v in master.bbox)
    contents = page.get_contents()
    form = _stream(contents.get_data() if contents is not None else b"")
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): bbox,
            NameObject("/Resources"): DictionaryObject(resources),
        }
    )
    form_number = writer.new_object(form)
    x0, y0, x1, y1 = master.bbox
    open_number = writer.new_object(_stream(b"q\n"))
    clip = f"Q q {x0:.4f} {y0:.4f} {x1 - x0:.4f} {y1 - y0:.4f} re W n {XOBJECT_NAME} Do Q\n".encode()
    draw_number = writer.new_object(_stream(clip))

    # The master's zone page, rewritten: its own content wrapped in q/Q, then the zone on top.
    master_contents = master.page.get("/Contents")
    old_contents = list(master_contents) if isinstance(master_contents, ArrayObject) else [master_contents]
    new_page = DictionaryObject(master.page)
    new_page[NameObject("/Contents")] = ArrayObject(
        [IndirectObject(open_number, 0, None), *old_contents, IndirectObject(draw_number, 0, None)]
    )
    new_resources = DictionaryObject(master.resources)
    xobjects = new_resources.get("/XObject")
    xobjects = DictionaryObject(xobjects.get_object()) if xobjects is not None else DictionaryObject()
    xobjects[NameObject(XOBJECT_NAME)] = IndirectObject(form_number, 0, None)
    new_resources[NameObject("/XObject")] = xobjects
    new_page[NameObject("/Resources")] = new_resources

    links = [a.get_object() for a in page.get("/Annots", ArrayObject())]
    uri_links = [a for a in links if a.get("/Subtype") == "/Link" and a.get("/A", {}).get("/S") == "/URI"]
    if uri_links:
        annots = master.page.get("/Annots")
        annots_list = list(annots.get_object()) if annots is not None else []
        for link in uri_links:
            link = DictionaryObject({k: v for k, v in link.items() if k != "/P"})
            annots_list.append(IndirectObject(writer.new_object(link), 0, None))
        new_page[NameObject("/Annots")] = ArrayObject(annots_list)

    offsets: dict[int, int] = {}
    # Master references keep their numbers; overlay references are mapped to new ones.
    offsets[master.page_number] = out.tell()
    writer.write_object(master.page_number, new_page, out, remap=False)
    while writer.pending:
        number, value = writer.pending.pop(0)
        offsets[number] = out.tell()
        writer.write_object(number, value, out)
    _write_xref(out, offsets, max(writer.next_number, master.size), master)
    return out.getvalue()


def _write_xref(out: BytesIO, offsets: dict[int, int], size: int, master: MasterPdf | ForeignMaster) -> None:
    """A cross-reference stream for the new objects, chained to the master's with /Prev."""
    xref_number = size
    xref_offset = out.tell()
    offsets = {**offsets, xref_number: xref_offset}
    numbers = sorted(offsets)
    index: list[int] = []
    rows = bytearray()
    for number in numbers:
        if index and index[-2] + index[-1] == number:
            index[-1] += 1
        else:
            index += [number, 1]
        rows += b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00"
    trailer = DictionaryObject(master.trailer)
    trailer.update(
        {
            NameObject("/Type"): NameObject("/XRef"),
            NameObject("/Size"): _number(xref_number + 1),
            NameObject("/Prev"): _number(master.startxref),
            NameObject("/W"): ArrayObject([_number(1), _number(4), _number(2)]),
            NameObject("/Index"): ArrayObject(_number(v) for v in index),
        }
    )
    stream = _stream(bytes(rows), dict(trailer))
    _Writer(0).write_object(xref_number, stream, out, remap=False)
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref_offset)


# --- Masters and overlays: the renderer side -----------------------------------------------------

MASTER_CACHE_SIZE = 16
"""Masters kept per renderer (LRU): one per campaign × template output × kit and template version."""

_PLACEHOLDER_LOGO = PreparedLogo(
    "svg",
    b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>',
    40,
    20,
)
PLACEHOLDERS = (
    (PartnerInput(slug="cobrand-master", name="Master Partner", type="master-type", tier="master-tier", region="master-region",
                  country="DE", website="https://master.example", email="m@master.example", phone="+49 1",
                  address="1 Master Street"), None),
    (PartnerInput(slug="other-placeholder", name="Other Placeholder Ltd", type="other-type", tier="other-tier",
                  region="other-region", country="US", locale="fr", website="https://other.example", email="o@other.example",
                  phone="+1 555", address="2 Other Road", custom={"placeholder": "1"}), _PLACEHOLDER_LOGO),
)  # fmt: skip
"""Two partners that differ in every field: the master's markup outside the zone must not care."""


@dataclass(frozen=True)
class Master:
    """A laid-out master, or the reason a template output cannot be stamped."""

    pdf: MasterPdf | None
    zone: ZoneElement | None
    fields_outside: bool
    """The master uses partner-editable fields outside the zone (built with their defaults)."""
    default_fields: dict[str, str]
    reason: str = ""

    def to_bytes(self) -> bytes:
        """One line of JSON (everything but the PDF), then the master PDF's bytes."""
        header = {
            "zone": None if self.zone is None else [list(self.zone.path), self.zone.tag, self.zone.classes],
            "fields_outside": self.fields_outside,
            "default_fields": self.default_fields,
            "reason": self.reason,
        }
        return json.dumps(header).encode() + b"\n" + (self.pdf.data if self.pdf is not None else b"")

    @classmethod
    def from_bytes(cls, data: bytes, zone_spec: Zone) -> Master:
        line, _, pdf = data.partition(b"\n")
        header = json.loads(line)
        zone = header["zone"]
        return cls(
            MasterPdf.parse(pdf, zone_spec) if pdf else None,
            None if zone is None else ZoneElement(tuple(zone[0]), zone[1], zone[2]),
            bool(header["fields_outside"]),
            dict(header["default_fields"]),
            str(header["reason"]),
        )


class MasterStore(Protocol):
    """Where laid-out masters are shared by every worker of the fleet (the app puts them in storage)."""

    def load(self, key: str) -> bytes | None:
        """The master stored under key, or None."""

    def save(self, key: str, data: bytes) -> None:
        """Store a master under key (any worker may read it at once)."""


MASTER_FORMAT = "1"
"""Version of Master.to_bytes and of what a master depends on in this code; part of its key."""


def _outside_zone(html: str, zone: ZoneElement) -> bytes | None:
    """The markup outside the zone, serialised, or None if the zone is not where expected."""
    root = HTML(string=html).etree_element
    chain = resolve_path(root, zone)
    if chain is None:
        return None
    element = chain[-1]
    for child in list(element):
        element.remove(child)
    element.text = None
    element.attrib.clear()
    return ElementTree.tostring(root)


class ZoneStamper:
    """Render PDF outputs with a declared co-brand zone by stamping the zone onto a master."""

    def __init__(self, pdf: PdfRenderer, store: MasterStore | None = None) -> None:
        self.pdf = pdf
        self.store = store
        self.masters_laid_out = 0
        """Masters this process laid out itself (a worker that finds them in the store lays none)."""
        self.masters_loaded = 0
        """Masters this process read from the store."""
        self._masters = _BoundedCache(MASTER_CACHE_SIZE)
        self._master_css = CSS(string=MASTER_CSS)
        self._overlay_css = CSS(string=OVERLAY_CSS)

    def render(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        output: PdfOutput,
        partner: PartnerInput,
        campaign: CampaignInput,
        logo: PreparedLogo | None,
    ) -> tuple[bytes, list[str]]:
        """Render one PDF output for one partner: stamped where possible, else in full."""
        if output.cobrand_zone is None:
            return self.pdf.render(kit, template, output, partner, campaign, logo)
        master = self.master(kit, template, output, campaign)
        if master.pdf is None or master.zone is None:
            return self.pdf.render(kit, template, output, partner, campaign, logo)
        if master.fields_outside and resolve_copy(template, campaign).fields != master.default_fields:
            return self.pdf.render(kit, template, output, partner, campaign, logo)
        warnings: list[str] = []
        context = self.pdf.context(kit, template, output, partner, campaign, logo, warnings)
        html = self.pdf.render_html(output, template, context)
        try:
            data = self.overlay(kit, template, output, html, master.pdf, master.zone)
        except ZoneMismatch:
            return self.pdf.render(kit, template, output, partner, campaign, logo)
        return data, warnings

    def overlay(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        output: PdfOutput,
        html: str,
        master: MasterPdf,
        zone: ZoneElement,
    ) -> bytes:
        """Lay out only the zone of html and stamp it onto the master."""
        assert output.cobrand_zone is not None
        document_html = HTML(
            string=html, base_url=template.root.as_uri() + "/", url_fetcher=self.pdf.fetcher(kit, template)
        )
        if not prune_to_zone(document_html.etree_element, zone):
            raise ZoneMismatch("the zone element is not where the master has it")
        document = self._layout(document_html, kit, template, output, self._overlay_css)
        rect = zone_rect_px(output.cobrand_zone)
        for index, page in enumerate(document.pages):  # noqa: B007 (index is used after the loop)
            box = find_zone_box(page._page_box, rect)
            if box is not None and box.element.get(ZONE) is not None:
                break
        else:
            raise ZoneMismatch("the overlay did not lay the zone out at the declared position")
        overlay = BytesIO()
        document.write_pdf(overlay, pdf_identifier=b"cobrand", uncompressed_pdf=True)
        return stamp(master, overlay.getvalue(), index)

    def _layout(
        self, html: HTML, kit: BrandKit, template: CampaignTemplate, output: PdfOutput, extra: CSS
    ) -> Any:
        try:
            return html.render(
                font_config=self.pdf.font_config,
                stylesheets=[*self.pdf.stylesheets(kit, template, output), extra],
                cache=self.pdf.image_cache(),
            )
        except ForbiddenResource as exc:
            raise TemplateInvalid(f"{output.html}: refers to {exc.url}: {exc.reason}") from exc

    def master(
        self, kit: BrandKit, template: CampaignTemplate, output: PdfOutput, campaign: CampaignInput
    ) -> Master:
        """The master of this output for this campaign: from memory, the store, or laid out now."""
        key = self.master_key(kit, template, output, campaign)
        return self._masters.get_or_make(key, lambda: self._find_master(key, kit, template, output, campaign))  # type: ignore[no-any-return]

    @staticmethod
    def master_key(
        kit: BrandKit, template: CampaignTemplate, output: PdfOutput, campaign: CampaignInput
    ) -> str:
        """<campaign>/<template>-<output>-<fingerprint of every input of the master>."""
        inputs = (
            MASTER_FORMAT, kit.slug, kit.version, template.slug, template.version, output.name,
            campaign.slug, campaign.title, campaign.landing_url, sorted(campaign.copy_overrides.items()),
            campaign.locale,
        )  # fmt: skip
        digest = hashlib.sha256(json.dumps(inputs).encode()).hexdigest()[:32]
        return f"{campaign.slug}/{template.slug}-{output.name}-{digest}"

    def _find_master(
        self, key: str, kit: BrandKit, template: CampaignTemplate, output: PdfOutput, campaign: CampaignInput
    ) -> Master:
        assert output.cobrand_zone is not None
        stored = self.store.load(key) if self.store is not None else None
        if stored is not None:
            self.masters_loaded += 1
            return Master.from_bytes(stored, output.cobrand_zone)
        master = self._make_master(kit, template, output, campaign)
        self.masters_laid_out += 1
        if self.store is not None:
            self.store.save(key, master.to_bytes())
        return master

    def _html_for(
        self,
        kit: BrandKit,
        template: CampaignTemplate,
        output: PdfOutput,
        campaign: CampaignInput,
        which: int,
    ) -> str:
        partner, logo = PLACEHOLDERS[which]
        context = self.pdf.context(kit, template, output, partner, campaign, logo, [])
        return self.pdf.render_html(output, template, context)

    def _make_master(
        self, kit: BrandKit, template: CampaignTemplate, output: PdfOutput, campaign: CampaignInput
    ) -> Master:
        zone_spec = output.cobrand_zone
        assert zone_spec is not None
        defaults = resolve_copy(template, replace(campaign, field_values={})).fields
        # Without links, the placeholder partners' tracked URLs differ: links outside the zone are caught.
        base = replace(campaign, field_values={}, links={})
        html = self._html_for(kit, template, output, base, 0)
        fetcher = self.pdf.fetcher(kit, template)
        base_url = template.root.as_uri() + "/"

        # Find the zone element: the outermost box laid out on the declared zone.
        probe = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        document = self._layout(probe, kit, template, output, self._master_css)
        if zone_spec.page > len(document.pages):
            return Master(None, None, False, defaults, f"the zone is on page {zone_spec.page}")
        page_box = document.pages[zone_spec.page - 1]._page_box
        box = find_zone_box(page_box, zone_rect_px(zone_spec))
        if box is None:
            return Master(None, None, False, defaults, "no element is laid out exactly on the declared zone")
        path = element_path(probe.etree_element, box.element)
        if path is None:
            return Master(None, None, False, defaults, "the zone box belongs to no element")
        zone = ZoneElement(path, box.element.tag, box.element.get("class") or "")

        # Everything partner-specific must sit inside the zone.
        outside = _outside_zone(html, zone)
        if outside is None or outside != _outside_zone(self._html_for(kit, template, output, base, 1), zone):
            return Master(None, None, False, defaults, "partner data appears outside the zone")
        fields_outside = False
        if template.editable_fields:
            markers = {name: f"F{index}x" for index, name in enumerate(template.editable_fields)}
            marked = replace(campaign, field_values=markers)
            fields_outside = outside != _outside_zone(self._html_for(kit, template, output, marked, 0), zone)

        master_html = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        mark_master(master_html.etree_element, zone)
        master_document = self._layout(master_html, kit, template, output, self._master_css)
        if len(master_document.pages) != output.pages:
            return Master(None, None, False, defaults, "the master's page count differs from the template's")
        out = BytesIO()
        master_document.write_pdf(out, pdf_identifier=b"cobrand", pdf_variant=PDF_VARIANT)
        return Master(MasterPdf.parse(out.getvalue(), zone_spec), zone, fields_outside, defaults)


# --- Foreign masters: a design from another tool, stamped on any of its pages -------------------

Rect = tuple[float, float, float, float]
"""(left, bottom, right, top) in PDF user space."""


@dataclass(frozen=True)
class MasterPage:
    number: int
    """Object number of the page."""
    page: DictionaryObject
    """The page dictionary with inherited attributes (/Resources, /MediaBox …) resolved."""
    resources: DictionaryObject


@dataclass(frozen=True)
class ForeignMaster:
    """A PDF made by another tool, parsed once: what an incremental update of its pages needs."""

    data: bytes
    size: int
    startxref: int
    trailer: DictionaryObject
    classic_xref: bool
    """The last cross-reference section is a table (not a stream): the update writes a table too."""
    pages: tuple[MasterPage, ...]

    @classmethod
    def parse(cls, data: bytes) -> ForeignMaster:
        reader = PdfReader(BytesIO(data))
        at = data.rfind(b"startxref", max(0, len(data) - 2048))
        match = re.match(rb"startxref\s+(\d+)", data[at:]) if at >= 0 else None
        if match is None:
            raise ValueError("master PDF has no startxref")
        startxref = int(match.group(1))
        pages = []
        for page in reader.pages:
            assert page.indirect_reference is not None
            resources = page.get("/Resources")
            resources = resources.get_object() if resources is not None else DictionaryObject()
            pages.append(
                MasterPage(
                    page.indirect_reference.idnum,
                    DictionaryObject({NameObject(k): v for k, v in page.items()}),
                    DictionaryObject({NameObject(k): v for k, v in resources.items()}),
                )
            )
        trailer = DictionaryObject(
            {NameObject(k): v for k, v in reader.trailer.items() if k in ("/Root", "/Info", "/ID")}
        )
        return cls(
            data=data,
            size=int(reader.trailer["/Size"]),  # type: ignore[call-overload]
            startxref=startxref,
            trailer=trailer,
            classic_xref=data[startxref : startxref + 4] == b"xref",
            pages=tuple(pages),
        )


@dataclass(frozen=True)
class Placement:
    """One overlay page drawn on one master page, clipped to its zones, with its links."""

    page_index: int
    overlay_page: int
    origin: tuple[float, float]
    """Where the overlay page's lower-left corner sits in the master page's user space."""
    clips: tuple[Rect, ...]
    links: tuple[tuple[Rect, str], ...] = ()


def stamp_pages(master: ForeignMaster, overlay: bytes, placements: list[Placement]) -> bytes:
    """Append overlay pages, each clipped to its zones, onto master pages as one incremental update."""
    reader = PdfReader(BytesIO(overlay))
    writer = _Writer(master.size)
    out = BytesIO()
    out.write(master.data)
    if not master.data.endswith(b"\n"):
        out.write(b"\n")
    offsets: dict[int, int] = {}
    pages: dict[int, DictionaryObject] = {}
    for placement in placements:
        target = master.pages[placement.page_index]
        source = reader.pages[placement.overlay_page]
        resources = source.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        contents = source.get_contents()
        form = _stream(contents.get_data() if contents is not None else b"")
        ox, oy = placement.origin
        form.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(FloatObject(round(float(v), 4)) for v in source.mediabox),
                NameObject("/Matrix"): ArrayObject(
                    FloatObject(v) for v in (1, 0, 0, 1, round(ox, 4), round(oy, 4))
                ),
                NameObject("/Resources"): DictionaryObject(resources),
            }
        )
        form_number = writer.new_object(form)
        clip = " ".join(
            f"{x0:.4f} {y0:.4f} {x1 - x0:.4f} {y1 - y0:.4f} re" for x0, y0, x1, y1 in placement.clips
        )
        open_number = writer.new_object(_stream(b"q\n"))
        draw_number = writer.new_object(_stream(f"Q q {clip} W n {XOBJECT_NAME} Do Q\n".encode()))

        page = pages.get(placement.page_index) or DictionaryObject(target.page)
        old = page.get("/Contents")
        resolved = old.get_object() if isinstance(old, IndirectObject) else old
        # /Contents is a stream, an array of streams, or a reference to such an array.
        old_list = list(resolved) if isinstance(resolved, ArrayObject) else ([old] if old is not None else [])
        page[NameObject("/Contents")] = ArrayObject(
            [IndirectObject(open_number, 0, None), *old_list, IndirectObject(draw_number, 0, None)]
        )
        new_resources = DictionaryObject(target.resources)
        xobjects = new_resources.get("/XObject")
        xobjects = DictionaryObject(xobjects.get_object()) if xobjects is not None else DictionaryObject()
        xobjects[NameObject(XOBJECT_NAME)] = IndirectObject(form_number, 0, None)
        new_resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = new_resources
        if placement.links:
            annots = page.get("/Annots")
            annots_list = list(annots.get_object()) if annots is not None else []
            for rect, uri in placement.links:
                annots_list.append(IndirectObject(writer.new_object(_link(rect, uri)), 0, None))
            page[NameObject("/Annots")] = ArrayObject(annots_list)
        pages[placement.page_index] = page

    for index, page in pages.items():
        number = master.pages[index].number
        offsets[number] = out.tell()
        writer.write_object(number, page, out, remap=False)
    while writer.pending:
        number, value = writer.pending.pop(0)
        offsets[number] = out.tell()
        writer.write_object(number, value, out)
    size = max(writer.next_number, master.size)
    if master.classic_xref:
        _write_xref_table(out, offsets, size, master)
    else:
        _write_xref(out, offsets, size, master)
    return out.getvalue()


def _link(rect: Rect, uri: str) -> DictionaryObject:
    from pypdf.generic import TextStringObject

    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(FloatObject(round(v, 4)) for v in rect),
            NameObject("/Border"): ArrayObject([_number(0), _number(0), _number(0)]),
            NameObject("/A"): DictionaryObject(
                {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject(uri)}
            ),
        }
    )


def _write_xref_table(out: BytesIO, offsets: dict[int, int], size: int, master: ForeignMaster) -> None:
    """A classic cross-reference table for the new objects, chained to the master's with /Prev."""
    xref_offset = out.tell()
    out.write(b"xref\n")
    numbers = sorted(offsets)
    runs: list[list[int]] = []
    for number in numbers:
        if runs and runs[-1][-1] + 1 == number:
            runs[-1].append(number)
        else:
            runs.append([number])
    for run in runs:
        out.write(b"%d %d\n" % (run[0], len(run)))
        for number in run:
            out.write(b"%010d 00000 n\r\n" % offsets[number])
    trailer = DictionaryObject(master.trailer)
    trailer[NameObject("/Size")] = _number(size)
    trailer[NameObject("/Prev")] = _number(master.startxref)
    out.write(b"trailer\n")
    _Writer(0).serialise(trailer, out, remap=False)
    out.write(b"\nstartxref\n%d\n%%%%EOF\n" % xref_offset)
