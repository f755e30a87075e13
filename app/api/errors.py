"""API errors: every failure answers {"error": <code>, "message": <for a person>} with its status."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from werkzeug.exceptions import HTTPException

from app.error_pages import ERROR_CODES, error_response
from app.errors import (
    BrandKitInvalid,
    CampaignNotFound,
    CobrandError,
    InvalidInput,
    NotApproved,
    PartnerNotFound,
    RenderFailed,
    TemplateInvalid,
    UploadRejected,
    public_text,
)


class ApiError(Exception):
    """Raised by views and helpers; answered as JSON with its status."""

    def __init__(
        self, status: int, error: str | None = None, message: str = "", headers: dict[str, str] | None = None
    ):
        message = public_text(message)
        super().__init__(message)
        self.status = status
        self.error = error or ERROR_CODES.get(status, "error")
        self.message = message
        self.headers = headers or {}


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def _cobrand_status(exc: CobrandError) -> int:
    if isinstance(exc, PartnerNotFound | CampaignNotFound):
        return 404
    if isinstance(exc, NotApproved):
        return 409
    if isinstance(exc, InvalidInput | UploadRejected | BrandKitInvalid | TemplateInvalid | RenderFailed):
        return 422
    return 422


def register_error_handlers(bp: Blueprint) -> None:
    """Answer every error raised inside bp's views as JSON."""

    @bp.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.error, exc.message, exc.headers)

    @bp.errorhandler(CobrandError)
    def cobrand_error(exc: CobrandError) -> Response:
        status = _cobrand_status(exc)
        return error_response(status, ERROR_CODES[status], str(exc))

    @bp.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        return error_response(status, ERROR_CODES.get(status, "error"), exc.description or exc.name)
