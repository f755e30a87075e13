"""Untrusted design files (uploaded masters): checked in a child process with time and memory limits.

A PDF or image from outside is parsed by intake_check.py in a child process that caps its
own address space and CPU time (resource.setrlimit) before reading the file; the parent also
kills it after a wall-clock timeout. Children are forked by a multiprocessing fork server
that has the parsers imported already (started once per process), so a check costs a fork,
not an interpreter start-up and a second of imports. It refuses, in one line naming what was found, encrypted
PDFs, JavaScript, launch, URI and other actions, embedded files, forms (AcroForm, widgets) and
XFA, and files over the limits on size, pages, page size, object count, nesting and pixels.
Nothing is stored before this has passed.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import asdict, dataclass

from app.errors import UploadRejected
from app.rendering.model import DesignPage

CHECKER = "app.rendering.intake_check"
_FORKSERVER = multiprocessing.get_context("forkserver")
_FORKSERVER.set_forkserver_preload([CHECKER])
EXTENSIONS = {"pdf": "pdf", "png": "png", "jpeg": "jpg", "webp": "webp"}


@dataclass(frozen=True)
class IntakeLimits:
    max_bytes: int = 16 * 1024 * 1024
    max_pages: int = 20
    max_objects: int = 50_000
    min_page_mm: float = 10
    max_page_mm: float = 2000
    """A0 is 841 × 1189 mm; roll-ups and banners go beyond."""
    max_pixels: int = 40_000_000
    memory_bytes: int = 768 * 1024 * 1024
    """Address space of the checker (Python, pypdf and pdfium included)."""
    cpu_seconds: int = 10
    timeout_seconds: float = 15


@dataclass(frozen=True)
class MasterFile:
    """An accepted master: its format and pages."""

    format: str
    pages: tuple[DesignPage, ...]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def check_master(data: bytes, source: str, limits: IntakeLimits | None = None) -> MasterFile:
    """Accept a design file or raise UploadRejected naming what was found (source names the file)."""
    limits = limits or IntakeLimits()
    if not data:
        raise UploadRejected(f"{source}: the file is empty")
    if len(data) > limits.max_bytes:
        raise UploadRejected(f"{source}: {len(data)} bytes, over the limit of {limits.max_bytes} bytes")
    from app.rendering import intake_check

    receive, reply = _FORKSERVER.Pipe(duplex=False)
    child = _FORKSERVER.Process(target=intake_check.run, args=(data, asdict(limits), reply), daemon=True)
    child.start()
    reply.close()
    try:
        if not receive.poll(limits.timeout_seconds):
            if child.is_alive():
                raise UploadRejected(
                    f"{source}: refused: parsing took longer than {limits.timeout_seconds:g} s (a PDF bomb?)"
                )
            # Killed by its CPU or memory limit (SIGXCPU, SIGKILL) or crashed before answering.
            raise UploadRejected(
                f"{source}: refused: the file could not be parsed within the time and memory limits"
            )
        try:
            result = receive.recv()
        except EOFError:
            raise UploadRejected(
                f"{source}: refused: the file could not be parsed within the time and memory limits"
            ) from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    if "error" in result:
        raise UploadRejected(f"{source}: refused: the file {result['error']}")
    pages = tuple(DesignPage(*page[:2], *(int(v) for v in page[2:])) for page in result["pages"])
    return MasterFile(result["format"], pages)


def warm_up() -> None:
    """Start the fork server now (a web server at start-up), not on the first upload."""
    _FORKSERVER.forkserver.ensure_running()  # type: ignore[attr-defined]
