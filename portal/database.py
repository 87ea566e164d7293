"""Engine details that depend on the database in use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, Table, event, text
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.charging_session import TAG_TRIGRAM_INDEX


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets pages read while the OCPP endpoint writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# The tables whose statistics SQLite's plans of the sessions page, the review queue and the
# statistics need: without them a filtered page of a year of sessions reads them all (5.7 s
# where 0.3 s will do), the dashboard and statistics of a site take 3-7 times as long.
ANALYZED_TABLES = ("charging_session", "station", "outlet", "site", "floor", "tag",
                   "user_account")


def refresh_statistics(now: datetime) -> int:
    """SQLite's planner statistics (sqlite_stat1), which nothing else keeps; returns the
    tables analyzed. PostgreSQL's autovacuum keeps its own: nothing to do there.

    A table at a time: ANALYZE holds the write lock while it reads a table (about 3 s for a
    million sessions), and stations' messages wait for it. Full reads, not analysis_limit:
    sampled, SQLite took one company's sessions for a thousand companies' and chose worse."""
    if db.session.get_bind().dialect.name != "sqlite":
        return 0
    for table in ANALYZED_TABLES:
        db.session.execute(text(f"ANALYZE {table}"))
        db.session.commit()
    return len(ANALYZED_TABLES)


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


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                    compare_to: Any) -> bool:
    # Indexes a migration makes only where the database can are not drift where it cannot.
    return not (type_ == "index" and name == TAG_TRIGRAM_INDEX)


# Shared by migrations/env.py and the drift test, so both compare the same way.
ALEMBIC_OPTIONS: dict[str, Any] = {
    "compare_type": True,
    "render_as_batch": True,  # SQLite alters tables by copying them
    "render_item": _render_item,
    "include_object": _include_object,
}


def insert_unless_present(table: Table, values: dict[str, Any], *, unique: tuple[str, ...],
                          where: ColumnElement[bool] | None = None) -> int | None:
    """INSERT the row unless one with the same `unique` columns exists (among the rows
    `where` keeps: a partial unique index); the new row's id, or None when it was not
    inserted. Atomic on both databases, so concurrent workers insert it once."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values).on_conflict_do_nothing(
        index_elements=list(unique), index_where=where).returning(*table.primary_key)
    return db.session.execute(statement).scalar()
