"""Engine details that depend on the database in use."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event

from portal.extensions import db
from portal.models.base import UTCDateTime
from portal.models.charging_session import TAG_TRIGRAM_INDEX


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
