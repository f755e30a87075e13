"""PNG writing for image masters: the partner-independent part of a file deflated once per master.

Scanlines are Up-filtered (type 2) and deflated at level 1. `PngRows` continues a copy of the
deflate state after the rows above a split. `PngWindow` is for a layout whose per-partner layers
sit in a narrow column: deflate cannot continue across rows whose middle changes per partner, so
the stream is cut into pieces that each end in a full flush (no back-reference crosses one): the
master's bytes before, between and after the window's parts of each row are deflated once per
master, and per partner only the window's parts are. Each piece alone costs some compression
(a wide 1200 × 627 social image: ~9% larger than one stream).
"""

from __future__ import annotations

import struct
import zlib

from PIL import Image, ImageChops

Box = tuple[int, int, int, int]
ZLIB_HEADER = b"\x78\x01"
"""A zlib stream's header for a 32 KiB window at the fastest level (RFC 1950)."""


def up_filtered(image: Image.Image, top: int, bottom: int) -> bytes:
    """Rows [top, bottom) of image as PNG scanlines, each with filter type 2 (Up)."""
    if bottom - top <= 0:
        return b""
    above = image.crop((0, top - 1, image.width, top)) if top > 0 else None
    return up_filtered_band(image.crop((0, top, image.width, bottom)), above)


def _up_differences(current: Image.Image, above: Image.Image | None) -> bytes:
    """Each byte of current minus the byte above it (mod 256); above: the row before (None: zeros)."""
    width, rows = current.size
    previous = Image.new(current.mode, (width, rows))
    if above is not None:
        previous.paste(above, (0, 0))
    if rows > 1:
        previous.paste(current.crop((0, 0, width, rows - 1)), (0, 1))
    return ImageChops.subtract_modulo(current, previous).tobytes()


def up_filtered_band(current: Image.Image, above: Image.Image | None) -> bytes:
    """current as PNG Up-filtered scanlines, above: the one row before it (None: all zeros)."""
    data = _up_differences(current, above)
    rows = current.height
    stride = len(data) // rows
    lines = Image.new("L", (stride + 1, rows), 2)  # column 0: the filter byte
    lines.paste(Image.frombytes("L", (stride, rows), data), (1, 0))
    return lines.tobytes()


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def _png(mode: str, width: int, height: int, idat: bytes) -> bytes:
    color_type = {"RGB": 2, "RGBA": 6}[mode]
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


class PngRows:
    """Deflate state after the rows above a split: continue it per partner with the rest."""

    def __init__(self, image: Image.Image, split: int) -> None:
        self.split = split
        self.mode = image.mode
        self.rows = image.crop((0, 0, image.width, split)).tobytes() if split else b""
        self.last_row = image.crop((0, split - 1, image.width, split)) if split else None
        """The row above the split: what the first per-partner row is Up-filtered against."""
        self._zlib = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY)
        self.head = self._zlib.compress(up_filtered(image, 0, split))

    def matches(self, image: Image.Image) -> bool:
        if image.mode != self.mode:
            return False
        return not self.split or image.crop((0, 0, image.width, self.split)).tobytes() == self.rows

    def encode(self, image: Image.Image) -> bytes:
        """The PNG of image, whose rows above the split must be this state's rows."""
        return self._encode(up_filtered(image, self.split, image.height), image.width, image.height)

    def encode_band(self, band: Image.Image) -> bytes:
        """The PNG of this state's rows above the split with band (the rows from the split) below."""
        return self._encode(up_filtered_band(band, self.last_row), band.width, self.split + band.height)

    def _encode(self, rest: bytes, width: int, height: int) -> bytes:
        compressor = self._zlib.copy()
        return _png(self.mode, width, height, self.head + compressor.compress(rest) + compressor.flush())


class PngWindow:
    """A master image's PNG pieces around a window (x0, y0, x1, y1) that is redrawn per partner."""

    def __init__(self, image: Image.Image, window: Box) -> None:
        x0, y0, x1, y1 = window
        self.mode, self.size, self.window = image.mode, image.size, window
        depth = len(image.mode)
        stride = 1 + image.width * depth
        data = up_filtered(image, 0, image.height)
        # The master's bytes between one row's window part and the next's (the first piece also
        # holds every row above the window, the last every row below it).
        starts = [0] + [row * stride + 1 + x1 * depth for row in range(y0, y1)]
        ends = [row * stride + 1 + x0 * depth for row in range(y0, y1)] + [len(data)]
        self._pieces = [data[start:end] for start, end in zip(starts, ends, strict=True)]
        compressor = zlib.compressobj(1, zlib.DEFLATED, -15, 8)
        self._deflated = [
            compressor.compress(piece) + compressor.flush(zlib.Z_FULL_FLUSH) for piece in self._pieces
        ]
        self._deflated[-1] += compressor.flush(zlib.Z_FINISH)  # the stream's final block
        self._above = image.crop((x0, y0 - 1, x1, y0)) if y0 > 0 else None
        self._head_checksum = zlib.adler32(self._pieces[0])
        """The Adler-32 of the bytes up to the window's first row part, continued per partner."""

    def encode(self, window: Image.Image) -> bytes:
        """The PNG of the master with window (an image of the window's size and mode) in place."""
        data = _up_differences(window, self._above)
        width = len(data) // window.height
        parts = [data[row * width : (row + 1) * width] for row in range(window.height)]
        compressor = zlib.compressobj(1, zlib.DEFLATED, -15, 4)
        idat = [ZLIB_HEADER]
        for deflated, part in zip(self._deflated, parts, strict=False):
            idat += (deflated, compressor.compress(part) + compressor.flush(zlib.Z_FULL_FLUSH))
        idat.append(self._deflated[-1])
        after_head = [piece for pair in zip(parts, self._pieces[1:], strict=True) for piece in pair]
        checksum = zlib.adler32(b"".join(after_head), self._head_checksum)
        return _png(self.mode, *self.size, b"".join(idat) + struct.pack(">I", checksum))
