"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, written from the route registry."""

from __future__ import annotations

from typing import Any

from app.api import bp
from app.api.registry import ADMIN, PUBLIC, SIGNATURE, SLUG_PATTERN, Route, registry
from app.rendering.program import PartnerProgram

COMMON_ERRORS = (400, 422)
TOKEN_ERRORS = (401, 404, 429)
ERROR_DESCRIPTIONS = {
    400: "Bad request (unparseable JSON, a bad query parameter)",
    401: "Missing, unknown or revoked token (webhooks: missing, wrong or stale signature)",
    403: "An admin-only endpoint called with a partner token",
    404: "Not found, or not visible to this token",
    409: "Conflicts with the current state",
    413: "Body too large",
    415: "Unsupported Content-Type",
    422: "Well-formed but invalid input",
    429: "Rate limit exceeded",
}


@registry.route(
    bp, "GET", "/openapi.json", summary="This document", access=PUBLIC, response={"type": "object"}
)
def openapi_document() -> dict[str, Any]:
    from app.api.bearer import services

    return build_document(services().content.program())


def build_document(program: PartnerProgram | None = None) -> dict[str, Any]:
    """The OpenAPI document of every registered route; with a program, its values as enums."""
    paths: dict[str, dict[str, Any]] = {}
    for route in registry.routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    if program is not None:
        paths = _with_program(paths, program)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cobrand API",
            "version": "1",
            "description": "Partners, brand kits, templates, campaigns, publishes, assets and webhooks. See docs/api.md.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": _error_schema()},
        },
    }


def _with_program(node: Any, program: PartnerProgram) -> Any:
    """Copy of node where each {"x-program": dimension} schema lists the program's slugs as its enum."""
    if isinstance(node, dict):
        copy = {k: _with_program(v, program) for k, v in node.items()}
        dimension = copy.pop("x-program", None)
        if dimension:
            copy["enum"] = program.slugs(dimension)
            copy.setdefault(
                "description", f"A {dimension} of the partner program (labels and aliases are accepted too)."
            )
        return copy
    if isinstance(node, list):
        return [_with_program(v, program) for v in node]
    return node


def _error_schema() -> dict[str, Any]:
    from app.api.schemas import ERROR

    return ERROR


def _operation(route: Route) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.endpoint.replace(".", "_"),
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": _parameters(route),
        "responses": {},
    }
    if route.access in (PUBLIC, SIGNATURE):
        operation["security"] = []
    else:
        operation["security"] = [{"bearer": []}]
    if route.access == ADMIN:
        operation["description"] = "Admin tokens only; a partner token gets 403."
    if route.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": route.body}}}
    elif route.upload:
        content: dict[str, Any] = {}
        for media in route.upload:
            if media == "multipart/form-data" and route.form is not None:
                schema: dict[str, Any] = route.form
            elif media == "multipart/form-data":
                schema = {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
                                          "required": ["file"]}  # fmt: skip
            elif media == "application/json":
                schema = {"type": "object"}
            else:
                schema = {"type": "string", "format": "binary"}
            content[media] = {"schema": schema}
        operation["requestBody"] = {"required": True, "content": content}
    for status, (media, schema) in sorted(route.responses.items()):
        response: dict[str, Any] = {"description": "OK" if status < 300 else "Redirect"}
        if status == 302:
            response["headers"] = {"Location": {"schema": {"type": "string"}}}
        if media:
            response["content"] = {media: {"schema": schema if schema is not None else {}}}
        operation["responses"][str(status)] = response
    for status in _error_statuses(route):
        operation["responses"][str(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return operation


def _error_statuses(route: Route) -> list[int]:
    statuses = set(route.errors)
    if route.access == PUBLIC:
        return sorted(statuses)
    statuses.update(COMMON_ERRORS)
    if route.access == SIGNATURE:
        statuses.update((401,))
    else:
        statuses.update(TOKEN_ERRORS)
    if route.access == ADMIN:
        statuses.add(403)
    if route.body is not None or route.upload:
        statuses.update((413, 415))
    return sorted(statuses)


def _parameters(route: Route) -> list[dict[str, Any]]:
    params = []
    for name, converter in route.path_params():
        schema = (
            {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
            if converter == "int"
            else {"type": "string", "pattern": SLUG_PATTERN}
        )
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    for param in route.query:
        schema = {k: v for k, v in param.schema.items() if k != "default"}
        entry: dict[str, Any] = {
            "name": param.name,
            "in": "query",
            "required": param.required,
            "schema": schema,
        }
        if param.description:
            entry["description"] = param.description
        params.append(entry)
    return params
