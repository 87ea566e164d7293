"""Migration 0019 on PostgreSQL: the tag filter's trigram index where pg_trgm can be created,
a working portal without it (a warning) where the database's role may not create it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import Engine, create_engine, make_url, text

from portal import config, create_app
from portal.extensions import db
from portal.models.charging_session import TAG_TRIGRAM_INDEX

SERVER_URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not SERVER_URL.startswith(("postgres", "postgresql")),
                                reason="the index is PostgreSQL's")


def _app_for(url: str) -> Flask:
    return create_app({"DATABASE_URL": url, "SQLALCHEMY_DATABASE_URI": url,
                       "SQLALCHEMY_ENGINE_OPTIONS": config.engine_options(url)})


@pytest.fixture
def server() -> Iterator[Engine]:
    url = make_url(config.load({"DATABASE_URL": SERVER_URL})["DATABASE_URL"])
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def database(server: Engine) -> Iterator[tuple[str, str]]:
    """A new database owned by the server's user, and a role that owns its tables but may
    not create extensions in it (no CREATE on the database): (database, role)."""
    name = f"{server.url.database}_trgm_{uuid.uuid4().hex[:8]}"
    role = f"plugboard_{uuid.uuid4().hex[:8]}"
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    owner = create_engine(server.url.set(database=name))
    with owner.begin() as connection:
        connection.execute(text(f'GRANT ALL ON SCHEMA public TO "{role}"'))
    owner.dispose()
    yield name, role
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        connection.execute(text(f'DROP ROLE "{role}"'))


def _indexes(app: Flask) -> set[str]:
    with app.app_context():
        names = set(db.session.scalars(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'charging_session'")))
        db.session.remove()
    return names


def test_the_database_owner_gets_the_trigram_index_and_loses_it_on_downgrade(
        server: Engine, database: tuple[str, str]) -> None:
    app = _app_for(server.url.set(database=database[0]).render_as_string(hide_password=False))
    with app.app_context():
        upgrade(revision="0019")
    assert TAG_TRIGRAM_INDEX in _indexes(app)
    with app.app_context():
        downgrade(revision="0016")
    assert TAG_TRIGRAM_INDEX not in _indexes(app)
    with app.app_context():
        db.engine.dispose()


def test_a_role_that_may_not_create_pg_trgm_migrates_without_the_index_and_is_warned(
        server: Engine, database: tuple[str, str], capfd: pytest.CaptureFixture[str]) -> None:
    name, role = database
    url = server.url.set(database=name, username=role, password=None)
    app = _app_for(url.render_as_string(hide_password=False))
    with app.app_context():
        upgrade(revision="0019")
        at = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        db.session.remove()
        db.engine.dispose()
    assert at == "0019"
    assert TAG_TRIGRAM_INDEX not in _indexes(app)
    # Alembic's logging configuration (migrations/alembic.ini) writes to stderr.
    warned = capfd.readouterr().err
    assert "pg_trgm could not be created" in warned
    assert "permission denied to create extension" in warned
    with app.app_context():
        db.engine.dispose()
