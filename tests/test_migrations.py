"""The migrations build the whole model from nothing, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from portal import config, create_app
from portal.database import ALEMBIC_OPTIONS
from portal.extensions import db


def _app_for(url: str) -> Flask:
    return create_app({"DATABASE_URL": url, "SQLALCHEMY_DATABASE_URI": url,
                       "SQLALCHEMY_ENGINE_OPTIONS": config.engine_options(url)})


@pytest.fixture
def empty_databases(tmp_path: Path) -> Iterator[list[str]]:
    """A new SQLite file, and a new PostgreSQL database when the suite runs on PostgreSQL."""
    urls = [f"sqlite:///{tmp_path / 'fresh.db'}"]
    server_url = os.environ.get("DATABASE_URL", "")
    admin = None
    if server_url.startswith(("postgres", "postgresql")):
        server = make_url(config.load({"DATABASE_URL": server_url})["DATABASE_URL"])
        name = f"{server.database}_fresh_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        urls.append(server.set(database=name).render_as_string(hide_password=False))
    yield urls
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_apply_to_empty_databases_without_drift(empty_databases: list[str]) -> None:
    for url in empty_databases:
        app = _app_for(url)
        with app.app_context():
            upgrade()
            with db.engine.connect() as connection:
                tables = set(inspect(connection).get_table_names())
                context = MigrationContext.configure(connection, opts=ALEMBIC_OPTIONS)
                drift = compare_metadata(context, db.metadata)
            db.engine.dispose()
        assert set(db.metadata.tables) <= tables, url
        assert drift == [], f"models and migrations differ on {url}: {drift}"
