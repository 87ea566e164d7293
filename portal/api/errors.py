"""The one shape of every API error: {"error": "<code>", "message": "<text>"}, plus
"errors": {field: why} for 422. The app's error handlers (portal/blueprints/errors.py)
answer everything under /api/ through `from_exception`, so a DomainError from a service,
an unknown URL, a wrong method, an oversized body or a bug all read the same."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, jsonify, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from portal.errors import DomainError, Invalid

# The machine code of each status; a command's outcome has its own (portal/api/commands.py).
CODE_OF_STATUS = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "rate_limited", 500: "internal_error",
}
MESSAGE_OF_STATUS = {
    404: "Nothing here: check the address against /api/v1/openapi.json.",
    413: "The request body is too large.",
    500: "Something went wrong on our side. It has been logged; try again in a moment.",
}


def error_response(status: int, message: str, *, error: str | None = None,
                   errors: dict[str, str] | None = None, **extra: Any) -> Response:
    """The API's answer for an error: `error` is its machine code (by default the status's),
    `errors` the invalid fields (422), `extra` more fields (e.g. the command's id)."""
    body: dict[str, Any] = {"error": error or code_of(status), "message": message, **extra}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def code_of(status: int) -> str:
    """`not_found` for 404, ...; other statuses are named by their reason phrase."""
    phrase = HTTP_STATUS_CODES.get(status, "error")
    return CODE_OF_STATUS.get(status) or re.sub(r"\W+", "_", phrase.lower()).strip("_")


def from_exception(error: Exception) -> Response:
    """Any error raised while answering under /api/, in the API's shape."""
    if isinstance(error, DomainError):
        errors = {error.field or "body": str(error)} if isinstance(error, Invalid) else None
        return error_response(error.status, str(error), errors=errors)
    if not isinstance(error, HTTPException) or isinstance(error, InternalServerError):
        return error_response(500, MESSAGE_OF_STATUS[500])
    status = error.code or 500
    response = error_response(status, _message(error, status))
    for name, value in error.get_headers():  # Allow for 405, WWW-Authenticate for 401
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _message(error: HTTPException, status: int) -> str:
    if isinstance(error, MethodNotAllowed):
        allowed = ", ".join(sorted(set(error.valid_methods or ()) - {"HEAD", "OPTIONS"}))
        return f"{request.method} is not allowed here; use {allowed}."
    if isinstance(error, RateLimitExceeded):
        return f"Too many requests ({error.description}). Wait a while and try again."
    return MESSAGE_OF_STATUS.get(status) or error.description or HTTP_STATUS_CODES[status]
