"""What every input schema shares: strict fields, program-driven values, one-line errors, JSON Schema."""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo

from app.errors import InvalidInput
from app.rendering.program import PartnerProgram

SLUG_PATTERN = "^[a-z0-9][a-z0-9-]{0,63}$"
_SLUG = re.compile(SLUG_PATTERN)
PROGRAM_KEY = "x-program"
"""JSON Schema marker of a value the partner program lists; openapi.py turns it into an enum."""


class Input(BaseModel):
    """An input from a person or another system: unknown fields refused, text stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SchemaInvalid(InvalidInput):
    """An input that does not fit its schema: every problem by field, and one line for people."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        """Field (dotted location, e.g. "attributes.industry") → what is wrong and what is valid."""
        super().__init__("; ".join(f"{where}: {problem}" for where, problem in problems.items()))


class FieldProblem(ValueError):
    """A validator's refusal naming places below its field (e.g. one attribute of `attributes`)."""

    def __init__(self, where: str, message: str, *more: tuple[str, str]) -> None:
        super().__init__(message)
        self.places = {where: message, **dict(more)}
        """Place below the field → what is wrong there."""


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, program: PartnerProgram | None = None, *, prefix: str = "") -> M:
    """data checked against model (program-driven values against program); SchemaInvalid if it does not fit."""
    try:
        return model.model_validate(data, context={"program": program})
    except ValidationError as exc:
        raise SchemaInvalid(problems(exc, model, prefix=prefix)) from None


def problems(exc: ValidationError, model: type[BaseModel], *, prefix: str = "") -> dict[str, str]:
    """A pydantic error as field → one-line message; the first problem of each field is kept."""
    found: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        loc = [str(p) for p in error["loc"]]
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblem):
            for place, message in cause.places.items():
                found.setdefault(prefix + ".".join([*loc, place]), message)
            continue
        found.setdefault(prefix + (".".join(loc) or "body"), _message(error, model, loc))
    return found


def _message(error: Any, model: type[BaseModel], loc: list[str]) -> str:
    kind = error["type"]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden" and len(loc) == 1:
        return f"not a field here (fields: {', '.join(model.model_fields)})"
    text = str(error["msg"])
    return text[:1].lower() + text[1:]


def program_of(info: ValidationInfo) -> PartnerProgram:
    """The partner program the caller validates against (validate(..., program))."""
    program = (info.context or {}).get("program")
    if program is None:
        raise RuntimeError("this schema has program-driven fields: validate(model, data, program)")
    return program  # type: ignore[no-any-return]


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{value!r} must be lowercase letters, digits and dashes (max 64)")
    return value


Slug = Annotated[str, AfterValidator(_check_slug), Field(json_schema_extra={"pattern": SLUG_PATTERN})]
"""A slug: lowercase letters, digits and dashes, at most 64."""


def program_value(dimension: str) -> Any:
    """A type, tier or region: any slug, label or alias the program lists (any case), kept as its slug."""

    def resolve(value: str, info: ValidationInfo) -> str:
        program = program_of(info)
        slug = program.resolve(dimension, value)
        if slug is None:
            raise ValueError(f"{value!r} is not one of {', '.join(program.slugs(dimension))}")
        return slug

    return Annotated[str, AfterValidator(resolve), Field(json_schema_extra={PROGRAM_KEY: dimension})]


def json_schema(model: type[BaseModel], *, mode: str = "validation") -> dict[str, Any]:
    """model's JSON Schema for the OpenAPI document: nested models inlined, titles and null defaults dropped."""
    schema = model.model_json_schema(mode=mode)  # type: ignore[arg-type]
    definitions = schema.pop("$defs", {})
    return _tidy(schema, definitions)


def _tidy(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_tidy(v, definitions) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _tidy(definitions[node["$ref"].rsplit("/", 1)[-1]], definitions)
    tidy: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" or (key == "default" and value is None):
            continue
        if key == "properties":  # its keys are field names, not keywords
            tidy[key] = {name: _tidy(v, definitions) for name, v in value.items()}
        else:
            tidy[key] = _tidy(value, definitions)
    return tidy
