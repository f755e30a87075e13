"""One registry of API routes: each route declares its access, parameters and JSON schemas once.

The same declaration registers the Flask view, checks the token and the role, validates the query
and the body, and produces the OpenAPI document (openapi.py). Tests walk it too, so every new
route is covered by the scoping and schema tests without being listed again.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from pydantic import BaseModel

from app.api.errors import ApiError
from app.models import UserRole
from app.schemas import json_schema, validate

ADMIN = "admin"
"""Admin tokens only: partner tokens get 403, whatever the id."""
TOKEN = "token"
"""Any token; a partner token sees only its own partner's data (404 for anything else)."""
PUBLIC = "public"
"""No token (the OpenAPI document)."""
SIGNATURE = "signature"
"""No token: the request is signed (inbound webhooks)."""

TOKEN_ROLES = {
    ADMIN: frozenset({UserRole.ADMIN}),
    TOKEN: frozenset({UserRole.ADMIN, UserRole.PARTNER}),
}
"""The roles of API tokens (admin, or one partner's) each access level allows."""
PUBLIC_ROLES: frozenset[UserRole] = frozenset()

SLUG_PATTERN = "^[a-z0-9][a-z0-9-]{0,63}$"
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any]
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    """The Flask rule below the blueprint's prefix: "/partners/<partner>"."""
    prefix: str
    endpoint: str
    summary: str
    access: str
    tag: str
    query: tuple[Param, ...] = ()
    body: dict[str, Any] | None = None
    """JSON schema of a JSON request body (written from `model`)."""
    model: type[BaseModel] | None = None
    """The schema (app/schemas) a JSON request body is validated with; the view gets the model."""
    upload: tuple[str, ...] = ()
    """Media types of a raw (non-JSON) request body, e.g. a logo."""
    form: dict[str, Any] | None = None
    """JSON schema of a multipart/form-data body's fields (default: one `file`)."""
    responses: dict[int, tuple[str, dict[str, Any] | None]] = field(default_factory=dict)
    """status -> (media type, schema); media "" means no body."""
    errors: tuple[int, ...] = ()
    """Error statuses this route may answer besides the common ones."""

    @property
    def roles(self) -> frozenset[UserRole]:
        """The token roles this route allows (empty: no token at all, as for PUBLIC and SIGNATURE)."""
        return TOKEN_ROLES.get(self.access, PUBLIC_ROLES)

    @property
    def path(self) -> str:
        """The OpenAPI path: /api/v1/partners/{partner}."""
        return self.prefix + _PARAM.sub(r"{\2}", self.rule)

    def path_params(self) -> list[tuple[str, str]]:
        """(name, converter) of every path parameter, in order."""
        return [(name, conv or "string") for conv, name in _PARAM.findall(self.rule)]


class Registry:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.authorize: Callable[[Route], None] = _unwired
        """Checks a request against its route's access; app.api wires in access.authorize."""

    def route(
        self,
        bp: Blueprint,
        method: str,
        rule: str,
        *,
        summary: str,
        access: str,
        response: dict[str, Any] | None = None,
        status: int = 200,
        media: str = "application/json",
        query: tuple[Param, ...] = (),
        body: type[BaseModel] | None = None,
        upload: tuple[str, ...] = (),
        form: dict[str, Any] | None = None,
        errors: tuple[int, ...] = (),
        responses: dict[int, tuple[str, dict[str, Any] | None]] | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a route and register its view on bp; the view gets `query=` and `body=` when declared.

        body is the route's input schema (app/schemas): the view gets the validated model.
        """

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            declared = dict(responses or {})
            declared.setdefault(status, ("", None) if status in (204, 302) else (media, response))
            route = Route(
                method=method.upper(),
                rule=rule,
                prefix=bp.url_prefix or "",
                endpoint=f"{bp.name}.{view.__name__}",
                summary=summary,
                access=access,
                tag=(bp.name if access == SIGNATURE else rule.strip("/").split("/")[0]),
                query=query,
                body=json_schema(body) if body is not None else None,
                model=body,
                upload=upload,
                form=form,
                responses=declared,
                errors=errors,
            )

            @functools.wraps(view)
            def wrapper(**kwargs: Any) -> Any:
                self.authorize(route)
                if query:
                    kwargs["query"] = parse_query(query)
                if body is not None:
                    kwargs["body"] = parse_body(body)
                return view(**kwargs)

            wrapper.allowed_roles = route.roles  # type: ignore[attr-defined]  # read by the route walk test
            bp.add_url_rule(rule, view.__name__, wrapper, methods=[route.method])
            self.routes.append(route)
            return wrapper

        return decorator


def _unwired(route: Route) -> None:
    raise RuntimeError(f"{route.endpoint}: no access check is wired in (import app.api)")


registry = Registry()
"""Every route of the API and of the inbound webhooks."""


def parse_query(params: tuple[Param, ...]) -> dict[str, Any]:
    """Query parameters converted to their declared types; ApiError 400 naming the bad one."""
    values: dict[str, Any] = {}
    for param in params:
        raw = request.args.get(param.name)
        if raw is None:
            if param.required:
                raise ApiError(400, "bad_request", f"query parameter {param.name!r} is required")
            values[param.name] = param.schema.get("default")
            continue
        value: Any = raw
        if param.schema.get("type") == "integer":
            try:
                value = int(raw)
            except ValueError:
                raise ApiError(
                    400, "bad_request", f"query parameter {param.name!r}: {raw!r} is not an integer"
                ) from None
        try:
            Draft202012Validator(param.schema).validate(value)
        except ValidationError as exc:
            raise ApiError(400, "bad_request", f"query parameter {param.name!r}: {exc.message}") from None
        values[param.name] = value
    return values


def parse_body(model: type[BaseModel]) -> Any:
    """The JSON body, validated by the route's schema (415 not JSON, 400 unparseable, 422 invalid).

    Program-driven fields are checked against the loaded partner program.
    """
    from app.api.bearer import services  # access imports this module

    if request.mimetype != "application/json":
        raise ApiError(
            415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json"
        )
    data = request.get_json(silent=True)
    if data is None and request.get_data() != b"null":
        raise ApiError(400, "bad_request", "the body is not valid JSON")
    return validate(model, data, services().content.program())
