"""The clock keeps SQLite's planner statistics, which nothing else does (PostgreSQL's
autovacuum keeps its own)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from portal.extensions import db
from tests.factories import World


def _statistics(app: Flask) -> set[str]:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return set()
        known = db.session.scalar(text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        names = set(db.session.scalars(text("SELECT idx FROM sqlite_stat1"))) if known else set()
        db.session.remove()
    return names


def test_the_clock_analyzes_the_sessions_tables_on_sqlite(app: Flask, world: World) -> None:
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        if sqlite:
            db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
            db.session.commit()
    assert "ix_charging_session_tenant_started" not in _statistics(app)

    result = app.test_cli_runner().invoke(args=["jobs", "run", "--once"])

    assert result.exit_code == 0, result.output
    if sqlite:
        assert "refresh the planner statistics: 7" in result.output
        assert {"ix_charging_session_tenant_started", "ix_station_site_id"} <= _statistics(app)
    else:
        assert "refresh the planner statistics: 0" in result.output
