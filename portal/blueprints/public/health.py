"""Probes for load balancers and orchestrators, on the bare domain: no login, no cookie."""

from __future__ import annotations

from flask import current_app, jsonify
from werkzeug.wrappers import Response

from portal.blueprints.public import bp
from portal.services import readiness


@bp.get("/healthz")
def healthz() -> Response:
    """The process lives and answers (it touches nothing else)."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz() -> Response | tuple[Response, int]:
    """The database and, with REDIS_URL, Redis answer: 200, else 503 naming what is down."""
    config = current_app.config
    down = readiness.down(config["SQLALCHEMY_DATABASE_URI"], config["REDIS_URL"],
                          config["READINESS_TIMEOUT"])
    if down:
        return _no_store(jsonify(status="unavailable", down=down)), 503
    return _no_store(jsonify(status="ready"))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
