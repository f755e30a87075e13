"""Untrusted SVG work in a child process, with CPU, memory and wall-clock limits.

An SVG that passes the complexity budget (logos.check_svg_budget) can still be slow to draw in
ways no budget counts exactly (patterns, masks, huge strokes). Checking a logo therefore runs
prepare_logo in a fresh Python process that limits itself (RLIMIT_AS, RLIMIT_CPU) before it reads
the file, and that the caller kills after a time-out. Any failure becomes one UploadRejected line.

The child is `python -m app.rendering.isolated MEMORY_BYTES CPU_SECONDS SOURCE`: the logo on stdin,
"kind width height" and a newline then the prepared bytes on stdout, or a one-line error on stderr.
"""

from __future__ import annotations

import subprocess
import sys

from app.errors import CobrandError, UploadRejected
from app.rendering.logos import PreparedLogo

TIMEOUT_SECONDS = 10.0
"""Wall-clock time a logo check may take (LOGO_CHECK_TIMEOUT)."""
MEMORY_BYTES = 1024 * 1024 * 1024
"""Address space the checking process may use (LOGO_CHECK_MEMORY_MB)."""

_REFUSED = 3
"""Exit status of a child that refused the logo (its message is on stderr)."""


def prepare_logo_isolated(
    data: bytes, source: str = "logo", *, timeout: float = TIMEOUT_SECONDS, memory_bytes: int = MEMORY_BYTES
) -> PreparedLogo:
    """prepare_logo in a limited child process; UploadRejected (one line) for every failure."""
    command = [
        sys.executable,
        "-m",
        "app.rendering.isolated",
        str(memory_bytes),
        str(int(timeout) + 1),
        source,
    ]
    try:
        result = subprocess.run(command, input=data, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise UploadRejected(f"{source}: the logo takes over {timeout:g} s to draw; simplify it") from None
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        if result.returncode == _REFUSED and message:
            raise UploadRejected(message[-1])
        if result.returncode < 0 or any("MemoryError" in line for line in message):
            raise UploadRejected(
                f"{source}: the logo needs more than {memory_bytes // 2**20:,} MB or {timeout:g} s to draw"
            )
        raise UploadRejected(
            f"{source}: the logo cannot be drawn ({message[-1] if message else 'no output'})"
        )
    header, _, body = result.stdout.partition(b"\n")
    kind, width, height = header.decode().split()
    return PreparedLogo(kind, body, int(width), int(height))  # type: ignore[arg-type]


def _child(memory_bytes: int, cpu_seconds: int, source: str) -> int:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    from app.rendering.logos import prepare_logo

    data = sys.stdin.buffer.read()
    try:
        logo = prepare_logo(data, source)
    except CobrandError as exc:
        print(str(exc).replace("\n", " "), file=sys.stderr)
        return _REFUSED
    except MemoryError:
        print("MemoryError", file=sys.stderr)
        return 4
    except Exception as exc:  # ok: untrusted input; reported as one line and a failing exit status
        print(
            f"{source}: the logo cannot be drawn ({type(exc).__name__}: {exc})".replace("\n", " "),
            file=sys.stderr,
        )
        return _REFUSED
    sys.stdout.buffer.write(f"{logo.kind} {logo.width} {logo.height}\n".encode() + logo.data)
    return 0


if __name__ == "__main__":
    sys.exit(_child(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
