"""PDF incremental updates: overlay pages appended to a finished PDF that is never rewritten.

A master PDF is parsed once (MasterPdf: one we laid out, with its zone; ForeignMaster: a design
from another tool). Each update appends overlay pages as Form XObjects clipped to their zones,
drawn after the master page's own content, and a cross-reference section chained to the
master's with /Prev. Overlay objects get new numbers; the master's keep theirs. Only pypdf's
public API is used: objects are written with write_to_stream, streams made with set_data and
flate_encode, and a read stream is copied (copy.copy) before its entries are renumbered.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from pypdf import PageObject, PdfReader
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from app.rendering.model import Zone

PT_PER_MM = 72 / 25.4
XOBJECT_NAME = "/CobrandZone"
COMPRESSION_LEVEL = 6
"""zlib level for the overlay's streams: as small as level 9 on fonts and content, 3× faster."""

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


@dataclass
class OverlayCache:
    """What the pages of one overlay share when each is stamped (kept by object, so the overlay's
    reader must outlive it): its streams deflated once, each of its objects (fonts, widths,
    images) serialised once per numbering of the objects it refers to, and the references each
    object holds, so that numbering is found without rebuilding the object."""

    deflated: dict[int, StreamObject] = field(default_factory=dict)
    written: dict[tuple[int, tuple[int, ...]], bytes] = field(default_factory=dict)
    references: dict[int, list[IndirectObject]] = field(default_factory=dict)


class _Writer:
    """Write pypdf objects with the overlay's object numbers mapped onto new ones."""

    def __init__(self, first_number: int, cache: OverlayCache | None = None) -> None:
        self.cache = OverlayCache() if cache is None else cache
        self.next_number = first_number
        self.numbers: dict[int, int] = {}
        self.pending: list[tuple[int, Any, bool]] = []
        """(number, value, whether value is an object of the overlay)"""
        self.seen: list[IndirectObject] = []
        """Every reference renumbered so far, in order."""

    def number_for(self, ref: IndirectObject) -> int:
        if ref.idnum not in self.numbers:
            number = self.numbers[ref.idnum] = self.next_number
            self.next_number += 1
            self.pending.append((number, ref.get_object(), True))
        self.seen.append(ref)
        return self.numbers[ref.idnum]

    def new_object(self, value: PdfObject) -> int:
        number = self.next_number
        self.next_number += 1
        self.pending.append((number, value, False))
        return number

    def renumbered(self, value: Any) -> Any:
        """value with every reference to an overlay object replaced by its new number."""
        if isinstance(value, IndirectObject):
            return IndirectObject(self.number_for(value), 0, None)
        if isinstance(value, StreamObject):
            raise ValueError("a stream can only be written as an indirect object")
        if isinstance(value, DictionaryObject):
            return DictionaryObject({key: self.renumbered(item) for key, item in value.items()})
        if isinstance(value, ArrayObject):
            return ArrayObject(self.renumbered(item) for item in value)
        return value

    def write_pending(self, out: BytesIO, offsets: dict[int, int]) -> None:
        """Write every object still to write (and those they refer to), recording their offsets."""
        while self.pending:
            number, value, of_overlay = self.pending.pop(0)
            offsets[number] = out.tell()
            if not of_overlay:
                self.write_object(number, value, out)
                continue
            # The same object with its references mapped to the same numbers: the same bytes.
            # Its references are numbered in the order renumbering meets them, as it would.
            references = self.cache.references.get(id(value))
            resolved = None
            if references is None:
                mark = len(self.seen)
                resolved = self.resolved(value, remap=True)
                references = self.cache.references[id(value)] = self.seen[mark:]
            key = (id(value), tuple(self.number_for(ref) for ref in references))
            data = self.cache.written.get(key)
            if data is None:
                body = BytesIO()
                (resolved if resolved is not None else self.resolved(value, remap=True)).write_to_stream(body)
                data = self.cache.written[key] = body.getvalue()
            out.write(b"%d 0 obj\n" % number)
            out.write(data)
            out.write(b"\nendobj\n")

    def resolved(self, value: Any, *, remap: bool) -> Any:
        """value as written: streams deflated, references renumbered (if remap)."""
        if not isinstance(value, StreamObject):
            return self.renumbered(value) if remap else value
        if "/Filter" not in value:
            # The overlay is written uncompressed (WeasyPrint deflates at level 9 and packs
            # object streams, the slowest part of writing it); its streams are deflated here.
            key = id(value)
            if key not in self.cache.deflated:
                self.cache.deflated[key] = value.flate_encode(COMPRESSION_LEVEL)
            value = self.cache.deflated[key]
        # A copy keeps the encoded bytes as they are; only its entries are renumbered.
        written = copy.copy(value)
        entries = {k: self.renumbered(v) if remap else v for k, v in value.items() if k != "/Length"}
        written.clear()
        written.update(entries)
        return written

    def write_object(self, number: int, value: Any, out: BytesIO, *, remap: bool = True) -> None:
        out.write(b"%d 0 obj\n" % number)
        self.resolved(value, remap=remap).write_to_stream(out)
        out.write(b"\nendobj\n")


def _number(value: int) -> PdfObject:
    return NumberObject(value)


def _stream(data: bytes, extra: dict[str, PdfObject] | None = None) -> StreamObject:
    """A new stream of data, deflated."""
    plain = DecodedStreamObject()
    plain.set_data(data)
    stream = plain.flate_encode(COMPRESSION_LEVEL)
    for key, value in (extra or {}).items():
        stream[NameObject(key)] = value
    return stream


def stamp(master: MasterPdf, overlay: bytes, overlay_page: int) -> bytes:
    """Append overlay's page, clipped to the zone, to the master's zone page as an update."""
    return stamp_page(master, PdfReader(BytesIO(overlay)).pages[overlay_page])


def stamp_page(master: MasterPdf, page: PageObject, cache: OverlayCache | None = None) -> bytes:
    """Append an overlay page (clipped to the zone) to the master's zone page as an update.

    The pages of one overlay share their fonts: with one cache for all of them, each object is
    deflated and serialised once per batch.
    """
    writer = _Writer(master.size, cache)
    out = BytesIO()
    out.write(master.data)
    if not master.data.endswith(b"\n"):
        out.write(b"\n")

    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else DictionaryObject()
    bbox = ArrayObject(FloatObject(round(v, 4)) for v in master.bbox)
    contents = page.get_contents()
    content = contents.get_data() if contents is not None else b""
    form = _stream(content)
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): bbox,
            NameObject("/Resources"): _named_in(resources, content),
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
    writer.write_pending(out, offsets)
    _write_xref(out, offsets, max(writer.next_number, master.size), master)
    return out.getvalue()


_NAME = re.compile(rb"/([^\s()<>\[\]{}/%]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_NAMED_RESOURCES = ("/ExtGState", "/XObject", "/Pattern", "/Shading", "/Font", "/ColorSpace", "/Properties")


def _named_in(resources: DictionaryObject, content: bytes) -> DictionaryObject:
    """resources with only the entries content names (by any name token in it, so never too few).

    WeasyPrint writes one resource dictionary for all the pages of a document: in a batch it
    names every partner's logo, and each partner's PDF must carry its own only.
    """
    names = {
        "/" + _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), n).decode("latin-1")
        for n in _NAME.findall(content)
    }
    kept = DictionaryObject()
    for key, value in resources.items():
        entries = value.get_object() if key in _NAMED_RESOURCES else None
        if isinstance(entries, DictionaryObject):
            kept[NameObject(key)] = DictionaryObject({k: v for k, v in entries.items() if k in names})
        else:
            kept[NameObject(key)] = value
    return kept


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
    writer.write_pending(out, offsets)
    size = max(writer.next_number, master.size)
    if master.classic_xref:
        _write_xref_table(out, offsets, size, master)
    else:
        _write_xref(out, offsets, size, master)
    return out.getvalue()


def _link(rect: Rect, uri: str) -> DictionaryObject:
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
    trailer.write_to_stream(out)
    out.write(b"\nstartxref\n%d\n%%%%EOF\n" % xref_offset)
