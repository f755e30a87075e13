"""The errors storage backends raise besides FileNotFoundError and ValueError."""

from __future__ import annotations


class StorageFull(OSError):
    """A backend had no room for an object: nothing of it was written, and a later try may succeed
    once space is freed. An OSError, so callers that handle I/O errors keep handling it."""
