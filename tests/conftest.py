"""Fixtures: a real database migrated from empty, one app, and clients per tenant host."""

from __future__ import annotations

import os
import smtplib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from portal import config, create_app
from portal.extensions import db
from tests import parallel
from tests.chromium import browser, page  # noqa: F401  (Chromium for any test that asks)
from tests.factories import World, build_world
from tests.live_server import running_server
from tests.mail_server import MailServer, allow_smtp_to, running_mail_server
from tests.portal_client import PortalClient


def pytest_configure(config: pytest.Config) -> None:
    # Under pytest-xdist, the app and every server a test starts use the worker's own Redis.
    if parallel.WORKER and os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = parallel.worker_redis_url(os.environ["REDIS_URL"])


def _test_database_url(tmp_dir: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_dir / 'plugboard-test.db'}"
    url = config.load({"DATABASE_URL": url})["DATABASE_URL"]
    # The suite drops every table first: never let it near a database that is not for tests.
    if "test" not in (make_url(url).database or ""):
        pytest.exit(f"refusing to run tests on {make_url(url).database!r}: its name lacks 'test'")
    if parallel.WORKER:
        url = parallel.worker_database(make_url(url)).render_as_string(hide_password=False)
    return url


def empty_database(url: str) -> None:
    """Drop every table (and the Alembic version) so the migration runs from nothing."""
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            connection.execute(text("PRAGMA foreign_keys=OFF"))
            for table in inspect(connection).get_table_names():
                connection.execute(text(f'DROP TABLE "{table}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = _test_database_url(tmp_path_factory.mktemp("db"))
    empty_database(url)
    yield url
    if parallel.WORKER and url.startswith("postgresql"):
        parallel.drop_database(make_url(url))


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = create_app({
        "DATABASE_URL": database_url,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": config.engine_options(database_url),
        "SECRET_KEY": "test-secret-key",
        "PORTAL_DOMAIN": "localhost",
        "TESTING": True,
        # A cheaper scrypt: the suite hashes hundreds of passwords; the algorithm is the same.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    })
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def world(app: Flask) -> World:
    """Two companies, each with two sites, stations, users of every role, tags and sessions."""
    return build_world(app)


@pytest.fixture
def portal(app: Flask) -> type[PortalClient]:
    """Make a browser-like client for a tenant host: portal(world.a) or portal(slug)."""

    def make(slug: str) -> PortalClient:
        return PortalClient(app, slug)

    return make  # type: ignore[return-value]


LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def no_unexpected_outbound_traffic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing leaves this machine, and mail only goes to an SMTP server a test started."""

    def refuse_smtp(*args: object, **kwargs: object) -> None:
        raise AssertionError("unexpected outbound SMTP connection")

    real_connect = socket.socket.connect

    def loopback_only(sock: socket.socket, address: object) -> None:
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            raise AssertionError(f"unexpected connection to {address}")
        real_connect(sock, address)

    monkeypatch.setattr(smtplib.SMTP, "connect", refuse_smtp)
    monkeypatch.setattr(socket.socket, "connect", loopback_only)


@pytest.fixture
def mail_server(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """A real SMTP server this test started (plain, no log-in); the app's mail goes there."""
    with running_mail_server() as server:
        allow_smtp_to(monkeypatch, server.port)
        monkeypatch.setitem(app.config, "SMTP_URL", server.url())
        yield server


@pytest.fixture(scope="session")
def live_server(database_url: str, app: Flask) -> Iterator[int]:
    """The real server (gevent, `flask serve`) on the test database; yields its port."""
    port = free_port()
    # Short enough that a silent station's time-out costs a test little.
    with running_server(database_url, port, OCPP_COMMAND_TIMEOUT="5"):
        yield port


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
