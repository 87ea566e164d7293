"""Errors mapped once per door: pages for the web, plain text for stations, and the API's
JSON shape (portal/api/errors.py) for everything under /api/ and /integrations/ (what
programs call); domain errors mapped once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

import redis
from flask import Flask, Response, make_response, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from portal.api import errors as api_errors
from portal.auth.throttle import TooManyAttempts
from portal.errors import BUSY, DomainError, retry_after
from portal.extensions import db

log = logging.getLogger(__name__)
E = TypeVar("E", bound=Exception)
Handler = Callable[[E], tuple[object, int] | Response]
JSON_DOORS = ("/api/", "/integrations/")


def _render(status: int, title: str, message: str) -> tuple[object, int]:
    if request.path.startswith(("/ocpp/", "/files/", "/uploads/")):  # stations read no HTML
        return Response(f"{title}: {message}\n", status=status, mimetype="text/plain"), status
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


def _rate_limited(error: RateLimitExceeded | TooManyAttempts) -> tuple[object, int]:
    return _render(429, "Too many attempts",
                   f"Too many failed attempts ({error.description}). Wait a while and try again.")


def _domain_error(error: DomainError) -> tuple[object, int]:
    return _render(error.status, type(error).__name__, str(error))


def _unexpected(error: InternalServerError) -> tuple[object, int]:
    return _render(500, "Something went wrong",
                   "The error has been logged. Please try again in a moment.")


def _busy(error: PoolTimeout | redis.ConnectionError) -> Response:
    """No database (or Redis) connection came free in time: 503 with Retry-After, which
    browsers, API clients and stations understand, never 500. Nothing was done."""
    db.session.rollback()
    log.warning("busy on %s %s: %s", request.method, request.path, error)
    wait = retry_after()
    busy = ServiceUnavailable("Plugboard is busy. Try again in a few seconds.",
                              retry_after=wait)
    response = make_response(_by_door(_http_error)(busy))
    response.headers["Retry-After"] = str(wait)
    return response


def _by_door(web: Handler[E]) -> Handler[E]:
    """The web's handler, except under JSON_DOORS where the API's one error shape answers."""

    @wraps(web)
    def answer(error: E) -> tuple[object, int] | Response:
        if isinstance(error, InternalServerError):
            log.error("unhandled error on %s %s", request.method, request.path,
                      exc_info=error.original_exception)
            # A failed flush leaves the session unusable: the page (its menu reads the
            # user) would fail too, leaving a bare "Internal Server Error".
            db.session.rollback()
        if request.path.startswith(JSON_DOORS):
            return api_errors.from_exception(error)
        return web(error)

    return answer


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _by_door(_csrf_error))
    app.register_error_handler(RateLimitExceeded, _by_door(_rate_limited))
    app.register_error_handler(TooManyAttempts, _by_door(_rate_limited))
    app.register_error_handler(DomainError, _by_door(_domain_error))
    app.register_error_handler(InternalServerError, _by_door(_unexpected))
    app.register_error_handler(HTTPException, _by_door(_http_error))
    for busy in BUSY:
        app.register_error_handler(busy, _busy)
