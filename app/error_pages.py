"""Error answers for the whole app: one `wants_json` decides between a JSON body and an HTML page.

The API and the inbound webhooks answer their own views' errors as JSON (app/api/errors.py);
this module answers everything else: routing errors (404, 405), bad requests, and unhandled
exceptions, which Flask logs with their traceback before the 500 handler here shows a page (or
JSON) with no internals, only the request id to quote.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, InternalServerError

from app.errors import public_text
from app.storage import StorageFull

logger = logging.getLogger(__name__)

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
    507: "insufficient_storage",
}
"""The `error` code for each status."""


def error_response(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """The JSON error body every JSON answer uses: {"error": <code>, "message": <for a person>}."""
    response = jsonify({"error": error, "message": message})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


JSON_PREFIXES = ("/api/",)
"""Paths whose every answer is JSON (the inbound webhooks sit under /api/v1/webhooks)."""


def wants_json() -> bool:
    """Whether this request gets errors as JSON: an API path, a .json URL, or a client
    that asks for JSON first."""
    if request.path.startswith(JSON_PREFIXES) or request.path.endswith(".json"):
        return True
    return request.accept_mimetypes.best == "application/json"


def _page(code: int, title: str, message: str) -> tuple[str, int]:
    return render_template("error.html", code=code, title=title, message=message), code


def http_error(exc: HTTPException) -> Any:
    """JSON or a page for a 4xx raised outside the API's own views; other codes keep Werkzeug's page."""
    code = exc.code or 500
    if code == 404:
        if wants_json():
            return error_response(404, "not_found", "no such resource")
        return _page(404, "Page not found", "There is nothing here, or it is not yours to see.")
    if code == 400:
        message = public_text(exc.description or "The request could not be understood.")
        return (
            error_response(400, "bad_request", message)
            if wants_json()
            else _page(400, "Bad request", message)
        )
    if code == 405 and wants_json():
        allowed = sorted(getattr(exc, "valid_methods", None) or [])
        response = error_response(
            405, "method_not_allowed", f"{request.method} is not allowed here; use {', '.join(allowed)}"
        )
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response
    if wants_json():
        response = error_response(code, ERROR_CODES.get(code, "error"), exc.description or exc.name)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in dict(exc.get_headers()):
                response.headers[header] = dict(exc.get_headers())[header]
        return response
    return exc


def internal_error(exc: InternalServerError) -> Any:
    """An unhandled exception (already logged by Flask, with its traceback): no internals shown."""
    request_id = g.get("request_id", "")
    message = gettext("Something went wrong on our side; it has been logged.")
    if request_id:
        message += " " + gettext("Quote request id %(id)s if you report it.", id=request_id)
    if wants_json():
        return error_response(500, "internal_error", message)
    return _page(500, gettext("Something went wrong"), message)


def storage_full(exc: StorageFull) -> Any:
    """Storage had no room for a file: nothing was written; say so in its one line (507)."""
    logger.error("%s", exc, exc_info=exc.__cause__ or exc)  # the operator's log has the path
    if wants_json():
        return error_response(507, "insufficient_storage", str(exc))
    return _page(507, gettext("Something went wrong"), str(exc))


def init_app(app: Flask) -> None:
    """Register the app-wide error handlers."""
    app.register_error_handler(StorageFull, storage_full)
    app.register_error_handler(InternalServerError, internal_error)
    app.register_error_handler(HTTPException, http_error)
