"""/healthz and /readyz: on the bare domain, for load balancers, without login or cookie."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from portal import create_app
from portal.extensions import db
from tests.conftest import free_port
from tests.scene import counted_queries


def test_healthz_answers_without_a_query_or_a_cookie(app: Flask) -> None:
    client = app.test_client()
    with counted_queries(app) as statements:
        response = client.get("/healthz", base_url="http://localhost")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert statements == []
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_answers_200_when_the_database_and_redis_answer(app: Flask) -> None:
    # On an address as a load balancer probes it, too: no company's host.
    response = app.test_client().get("/readyz", base_url="http://10.0.0.11:8000")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ready"}
    assert "Set-Cookie" not in response.headers


@pytest.fixture
def app_without_services() -> Iterator[Flask]:
    """An app whose PostgreSQL and Redis are ports where nothing listens."""
    database_url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/plugboard_test"
    stopped = create_app({"DATABASE_URL": database_url, "SQLALCHEMY_DATABASE_URI": database_url,
                          "SECRET_KEY": "test-secret-key", "PORTAL_DOMAIN": "localhost"})
    # Only what /readyz reads: given to create_app, it would move the rate limiter (one
    # for every app in this process) to that Redis too.
    stopped.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    yield stopped
    with stopped.app_context():
        db.engine.dispose()


def test_readyz_answers_503_naming_what_is_down(app_without_services: Flask) -> None:
    response = app_without_services.test_client().get("/readyz", base_url="http://localhost")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "down": ["database", "redis"]}
    # Still alive: a database that is down is no reason to restart the process.
    assert app_without_services.test_client().get(
        "/healthz", base_url="http://localhost").status_code == 200

