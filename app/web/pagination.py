"""Console lists in pages: one page of a query, and the numbers its page links need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PAGE = 1_000_000
"""Page numbers above this are taken as this one (a bigger offset only burdens the database)."""


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, which page it is, and how many there are in all."""

    items: list[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number * self.size < self.total


def page_size() -> int:
    """Rows per console page (CONSOLE_PAGE_SIZE)."""
    return max(1, current_app.extensions["cobrand"].config.CONSOLE_PAGE_SIZE)


def paginate(session: Session, stmt: Select[Any], *, scalars: bool = True) -> Page:
    """The page of stmt that ?page= asks for (stmt must be fully ordered, so pages never overlap)."""
    size = page_size()
    number = min(MAX_PAGE, max(1, request.args.get("page", 1, type=int) or 1))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    window = stmt.limit(size).offset((number - 1) * size)
    items = list(session.scalars(window).all() if scalars else session.execute(window).all())
    return Page(items=items, number=number, size=size, total=total)
