"""Engine details that depend on the database in use."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, Table, event
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models.base import UTCDateTime


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets pages read while the OCPP endpoint writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations spell UTCDateTime as the column type it stores, so they never import models.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# Shared by migrations/env.py and the drift test, so both compare the same way.
ALEMBIC_OPTIONS: dict[str, Any] = {
    "compare_type": True,
    "render_as_batch": True,  # SQLite alters tables by copying them
    "render_item": _render_item,
}


def insert_unless_present(table: Table, values: dict[str, Any], *, unique: tuple[str, ...],
                          where: ColumnElement[bool] | None = None) -> bool:
    """INSERT the row unless one with the same `unique` columns exists (among the rows
    `where` keeps: a partial unique index); True when it was inserted. Atomic on both
    databases, so concurrent workers insert it once."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values).on_conflict_do_nothing(
        index_elements=list(unique), index_where=where).returning(*table.primary_key)
    return db.session.execute(statement).first() is not None
