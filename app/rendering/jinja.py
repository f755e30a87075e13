"""The sandboxed Jinja2 environments templates render in."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from app.errors import TemplateInvalid
from app.rendering.locale_format import format_date, format_number


@pass_context
def _fit_filter(context: Context, text: object, box: str) -> Markup:
    fit = context.get("_fit")
    if fit is None:
        raise TemplateInvalid(f"fit({box!r}) used where no text boxes are declared")
    return fit(str(text), box)  # type: ignore[no-any-return]


@pass_context
def _date_filter(context: Context, value: object, format: str = "long") -> str:
    """{{ "2026-12-01" | date }}: a date in the document's language (Babel)."""
    return format_date(
        value if isinstance(value, date) else str(value), str(context.get("lang", "en")), format
    )


@pass_context
def _number_filter(context: Context, value: object) -> str:
    """{{ 1234.5 | number }}: a number with the document language's separators (Babel)."""
    return format_number(str(value), str(context.get("lang", "en")))


FILTERS = {"date": _date_filter, "number": _number_filter}


@lru_cache(maxsize=32)
def html_environment(root: Path) -> ImmutableSandboxedEnvironment:
    """Autoescaping sandbox whose loader sees only the template's own folder."""
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(str(root)),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=True,
    )
    env.filters["fit"] = _fit_filter
    env.filters.update(FILTERS)
    return env


_TEXT_ENV = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
_TEXT_ENV.filters.update(FILTERS)


@lru_cache(maxsize=512)
def _compiled_text(source: str):  # type: ignore[no-untyped-def]
    return _TEXT_ENV.from_string(source)


def render_text(source: str, context: dict[str, object], *, where: str) -> str:
    """Render a short text template (image layers), sandboxed, to plain text."""
    try:
        return str(_compiled_text(source).render(context))
    except TemplateError as exc:
        raise TemplateInvalid(f"{where}: {type(exc).__name__}: {exc}") from exc


@lru_cache(maxsize=256)
def _compiled_expression(source: str):  # type: ignore[no-untyped-def]
    return _TEXT_ENV.compile_expression(source)


def evaluate(source: str, context: dict[str, object], *, where: str) -> bool:
    """Evaluate a layer's `when` condition (a sandboxed Jinja expression) to true or false."""
    try:
        return bool(_compiled_expression(source)(**context))
    except TemplateError as exc:
        raise TemplateInvalid(f"{where}: when = {source!r}: {type(exc).__name__}: {exc}") from exc
