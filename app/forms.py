"""Form helpers: errors shown next to their field (schema errors by their location), typed values kept."""

from __future__ import annotations

from collections.abc import Iterable

from app.errors import CobrandError
from app.schemas import SchemaInvalid


class FormErrors(dict[str, str]):
    """Field name -> message; "_form" holds a message that belongs to no single field."""

    def add(
        self, exc: CobrandError | str, fields: Iterable[str], *, aliases: dict[str, str] | None = None
    ) -> None:
        """File an error under its field: a schema error by each problem's location, another service
        error by the field its message starts with (else under "_form")."""
        if isinstance(exc, SchemaInvalid):
            for where, problem in exc.problems.items():
                field = (aliases or {}).get(where.split(".")[0], where.split(".")[0])
                self.setdefault(field if field in set(fields) else "_form",
                                problem[:1].upper() + problem[1:] if field in set(fields) else f"{where}: {problem}")  # fmt: skip
            return
        message = str(exc)
        head, sep, rest = message.partition(": ")
        key = (aliases or {}).get(head, head)
        if sep and key in set(fields):
            self.setdefault(key, rest[:1].upper() + rest[1:])
        else:
            self.setdefault("_form", message[:1].upper() + message[1:])
