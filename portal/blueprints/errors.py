"""Error pages for the web, JSON for /api/; domain errors mapped once."""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.errors import DomainError

log = logging.getLogger(__name__)


def _render(status: int, title: str, message: str) -> tuple[object, int]:
    if request.path.startswith(("/ocpp/", "/files/", "/uploads/")):  # stations read no HTML
        return Response(f"{title}: {message}\n", status=status, mimetype="text/plain"), status
    if request.path.startswith("/api/"):
        return {"error": title, "message": message}, status
    return render_template("errors/error.html", status=status, title=title,
                           message=message), status


def _http_error(error: HTTPException) -> tuple[object, int]:
    messages = {
        403: "You are not allowed to see this page.",
        404: "There is nothing here. Check the address.",
    }
    status = error.code or 500
    return _render(status, error.name, messages.get(status, error.description or ""))


def _csrf_error(error: CSRFError) -> tuple[object, int]:
    return _render(400, "Form expired",
                   "The form was missing its security token or it expired. "
                   "Go back, reload the page and try again. Nothing was changed.")


def _rate_limited(error: RateLimitExceeded) -> tuple[object, int]:
    return _render(429, "Too many attempts",
                   f"Too many failed attempts ({error.description}). Wait a while and try again.")


def _domain_error(error: DomainError) -> tuple[object, int]:
    return _render(error.status, type(error).__name__, str(error))


def _unexpected(error: InternalServerError) -> tuple[object, int]:
    log.error("unhandled error on %s %s", request.method, request.path,
              exc_info=error.original_exception)
    return _render(500, "Something went wrong",
                   "The error has been logged. Please try again in a moment.")


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(InternalServerError, _unexpected)
    app.register_error_handler(HTTPException, _http_error)
