"""Inspect one untrusted design file, in a child process forked for it by intake.py.

`run` limits the child's own memory and CPU time before it looks at a byte, then sends back
{"format": ..., "pages": [...]} or {"error": "<what was found>"}. The parsers are imported
here, at the top, so the fork server that preloads this module forks children ready to parse.
"""

from __future__ import annotations

import io
import re
import resource
from multiprocessing.connection import Connection
from typing import Any

import pypdfium2 as pdfium
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

MM_PER_PT = 25.4 / 72
ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "a launch action",
    "/URI": "a URI action",
    "/SubmitForm": "a form submit action",
    "/ImportData": "a form import action",
    "/GoToR": "a link to another file",
    "/GoToE": "a link to an embedded file",
    "/RichMediaExecute": "a rich media action",
}
ANNOTATIONS = {"/Widget": "a form (AcroForm)", "/FileAttachment": "an embedded file", "/RichMedia": "rich media",
               "/Screen": "a media player", "/Movie": "a movie", "/Sound": "a sound"}  # fmt: skip


class Refused(Exception):
    """The file is not accepted; the message names what was found."""


def _limit(kind: int, value: int) -> None:
    soft, hard = resource.getrlimit(kind)
    cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (cap, hard))


def _walk(root: Any, found: dict[str, str], number: int) -> None:
    """Look through one object's direct contents (no recursion: depth is bounded by the parser)."""
    stack = [root]
    while stack:
        value = stack.pop()
        if isinstance(value, IndirectObject):
            continue
        if isinstance(value, DictionaryObject):
            keys = set(value.keys())
            action = value.get("/S")
            if "/JS" in keys or action == "/JavaScript":
                found.setdefault("JavaScript", f"object {number}")
            elif action in ACTIONS:
                found.setdefault(ACTIONS[action], f"object {number}")
            if value.get("/Type") == "/EmbeddedFile" or keys & {"/EmbeddedFiles", "/EF"}:
                found.setdefault("an embedded file", f"object {number}")
            if "/XFA" in keys:
                found.setdefault("an XFA form", f"object {number}")
            if "/AcroForm" in keys:
                found.setdefault("a form (AcroForm)", f"object {number}")
            if value.get("/Subtype") in ANNOTATIONS:
                found.setdefault(ANNOTATIONS[str(value["/Subtype"])], f"object {number}")
            stack.extend(value.values())
        elif isinstance(value, ArrayObject):
            stack.extend(value)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def check_pdf(data: bytes, limits: dict[str, Any]) -> dict[str, Any]:
    markers = data.count(b"endobj")  # before any parsing: cheap, and enough to stop a bomb
    if markers > limits["max_objects"]:
        raise Refused(f"has {markers} objects, over the limit of {limits['max_objects']} (a PDF bomb?)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Refused("is encrypted (export it without a password or permissions)")
        size = int(reader.trailer.get("/Size", 0))
        if size > limits["max_objects"]:
            raise Refused(f"declares {size} objects, over the limit of {limits['max_objects']} (a PDF bomb?)")
        numbers: set[int] = set()
        for entries in reader.xref.values():
            numbers.update(entries)
        numbers.update(reader.xref_objStm)
        if len(numbers) > limits["max_objects"]:
            raise Refused(
                f"has {len(numbers)} objects, over the limit of {limits['max_objects']} (a PDF bomb?)"
            )
        found: dict[str, str] = {}
        for number in sorted(numbers):
            xref: dict[Any, Any] = reader.xref
            generation = next((int(g) for g, nums in xref.items() if number in nums), 0)
            try:
                value = reader.get_object(number) if generation == 0 else None
            except PdfReadError as exc:
                # What cannot be read cannot be inspected: refused (pypdf reports deep nesting this way).
                if _caused_by(exc, RecursionError):
                    raise RecursionError from None
                raise Refused(f"has an unreadable object {number} ({exc})") from None
            _walk(value, found, number)
        catalog = reader.trailer["/Root"].get_object()
        _walk(catalog, found, reader.trailer.raw_get("/Root").idnum)
        if found:
            raise Refused("contains " + ", ".join(f"{what} ({where})" for what, where in found.items()))
        pages = []
        if len(reader.pages) > limits["max_pages"]:
            raise Refused(f"has {len(reader.pages)} pages, over the limit of {limits['max_pages']}")
        for index, page in enumerate(reader.pages):
            if int(page.get("/Rotate", 0) or 0) % 360:
                raise Refused(f"page {index + 1} is rotated (/Rotate); export it without rotation")
            box: Any = next(page[k] for k in ("/TrimBox", "/CropBox", "/MediaBox") if k in page)
            width = abs(float(box[2]) - float(box[0])) * MM_PER_PT
            height = abs(float(box[3]) - float(box[1])) * MM_PER_PT
            low, high = limits["min_page_mm"], limits["max_page_mm"]
            if not (low <= width <= high and low <= height <= high):
                raise Refused(
                    f"page {index + 1} is {width:.0f} × {height:.0f} mm; pages must be {low:g} to {high:g} mm"
                )
            pages.append([width, height])
        if not pages:
            raise Refused("has no pages")
    except RecursionError:
        raise Refused("nests objects too deeply to parse (a PDF bomb?)") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Refused(f"is not a readable PDF ({type(exc).__name__}: {exc})") from None
    at = data.rfind(b"startxref")
    match = re.match(rb"startxref\s+(\d+)", data[at:]) if at >= 0 else None
    offset = int(match.group(1)) if match else -1
    if not (
        data[offset : offset + 4] == b"xref" or re.match(rb"\d+\s+\d+\s+obj\b", data[offset : offset + 32])
    ):
        raise Refused("has a damaged cross-reference table (export it again from the design tool)")
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):  # every page must draw, within these limits, before it is stored
            document[index].render(scale=0.05)
    finally:
        document.close()
    return {"format": "pdf", "pages": pages}


def check_image(data: bytes, fmt: str, limits: dict[str, Any]) -> dict[str, Any]:
    Image.MAX_IMAGE_PIXELS = limits["max_pixels"]
    try:
        with Image.open(io.BytesIO(data)) as image:
            if (image.format or "").lower() != fmt:
                raise Refused(f"is {image.format} data, not {fmt.upper()}")
            if getattr(image, "n_frames", 1) > 1:
                raise Refused("is animated; upload a still image")
            width, height = image.size
            if width * height > limits["max_pixels"]:
                raise Refused(f"is {width} × {height} px, over the limit of {limits['max_pixels']} pixels")
            image.load()
            dpi = float((image.info.get("dpi") or (96.0,))[0] or 96.0)
    except Image.DecompressionBombError:
        raise Refused(f"is over the limit of {limits['max_pixels']} pixels") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise Refused(f"is not a readable {fmt.upper()} image ({exc})") from None
    return {"format": fmt, "pages": [[width / dpi * 25.4, height / dpi * 25.4, width, height]]}


def inspect(data: bytes, limits: dict[str, Any]) -> dict[str, Any]:
    """What the file is, or {"error": ...} naming what was found."""
    try:
        if data[:1024].find(b"%PDF-") >= 0:
            return check_pdf(data, limits)
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return check_image(data, "png", limits)
        if data.startswith(b"\xff\xd8\xff"):
            return check_image(data, "jpeg", limits)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return check_image(data, "webp", limits)
        raise Refused("is not a PDF, PNG, JPEG or WebP file")
    except Refused as exc:
        return {"error": str(exc)}
    except MemoryError:
        return {"error": f"needs more than {limits['memory_bytes'] // 2**20} MiB to parse (a bomb?)"}


def run(data: bytes, limits: dict[str, Any], reply: Connection) -> None:
    """The child's entry point: limit this process, inspect the file, send the answer."""
    _limit(resource.RLIMIT_AS, limits["memory_bytes"])
    _limit(resource.RLIMIT_CPU, limits["cpu_seconds"])
    reply.send(inspect(data, limits))
    reply.close()
