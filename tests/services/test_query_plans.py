"""The plans SQLite chooses, with the statistics ANALYZE leaves for a year of a large company
(a million sessions on 500 stations), for the sessions page, the review queue and
availability: they read through an index what they need, not every session or event. The
bench (bench/README.md, a year of data) has the timings; these tests pin the plans on a
small database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select, text

from portal import config, create_app
from portal.extensions import db
from portal.models import Role, Station, Tenant, User
from portal.services import session_review, session_table, status_time
from portal.services.scope import SYSTEM
from tenants.scoping import tenant_scope
from tests.factories import Company, make_tenant, populate
from tests.scene import counted_queries

# sqlite_stat1 as ANALYZE wrote it for bench/year.py's company (one tenant), by table and
# the columns of each index (SQLite's names of unique constraints' indexes vary).
YEAR_STATISTICS = """
charging_session tenant_id,stopped_at 1000300 1000300 1
charging_session station_id,started_at 1000300 2001 1
charging_session tag_id,started_at 1000300 501 1
charging_session tenant_id 1000300 1000300
charging_session tenant_id,started_at 1000300 1000300 1
charging_session user_id,started_at 1000300 1000300 1
charging_session tenant_id,transaction_id 1000300 1000300 1
charging_session station_id,outlet_id,started_at,id_tag,meter_start 1000300 2001 501 1 1 1
outlet tenant_id 2000 2000
outlet tenant_id,status 2000 2000 500
outlet station_id,connector_id 2000 4 1
outlet uuid 2000 1
station site_id 500 25
station tenant_id 500 500
station tenant_id,charge_box_id 500 500 1
station uuid 500 1
"""
UNDER_REVIEW = "3001 3001 1"  # the partial index: a session in 333


@pytest.fixture
def year_app(tmp_path: Path) -> Iterator[Flask]:
    """A SQLite company whose planner statistics say a year of sessions."""
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    app = create_app({"DATABASE_URL": url, "SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": config.engine_options(url)})
    with app.app_context():
        upgrade()
        db.session.execute(text("ANALYZE"))  # creates sqlite_stat1
        year = {tuple(line.split(" ", 2)[:2]): line.split(" ", 2)[2]
                for line in YEAR_STATISTICS.strip().splitlines()}
        db.session.execute(text("DELETE FROM sqlite_stat1"))
        for table in ("charging_session", "outlet", "station"):
            for index in db.session.execute(text(f"PRAGMA index_list({table})")).all():
                columns = ",".join(row.name for row in db.session.execute(
                    text(f"PRAGMA index_info({index.name})")))
                stat = (UNDER_REVIEW if index.name == "ix_charging_session_under_review"
                        else year[(table, columns)])
                db.session.execute(text("INSERT INTO sqlite_stat1 VALUES (:t, :i, :s)"),
                                   {"t": table, "i": index.name, "s": stat})
        db.session.commit()
        db.engine.dispose()  # a new connection reads the statistics
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def company(year_app: Flask) -> Company:
    return populate(year_app, make_tenant(year_app))


def _plans(app: Flask, company: Company, role: Role, read: str) -> list[tuple[str, str]]:
    """(SQL, EXPLAIN QUERY PLAN) of each statement that `read` (page or queue) sends as
    `role`."""
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            actor = db.session.scalars(select(User).where(
                User.email == company.email(role))).one()
            with counted_queries(app) as statements:
                if read == "page":
                    session_table.page(actor, session_table.SessionFilter())
                else:
                    session_review.queue(actor, SYSTEM)
            # Without sqlite_stat4 the parameters' values do not change a plan.
            connection = db.session.connection()
            return [(sql, " / ".join(row[3] for row in connection.exec_driver_sql(
                        f"EXPLAIN QUERY PLAN {sql}", (None,) * sql.count("?"))))
                    for sql in statements]


def test_the_administrators_first_page_reads_sessions_newest_first_through_an_index(
        year_app: Flask, company: Company) -> None:
    plans = _plans(year_app, company, Role.ADMIN, "page")
    rows = next(plan for sql, plan in plans if "AS chosen" in sql)
    # Not every station's sessions sorted in a temporary tree: the index, in the page's order.
    assert "SCAN station" not in rows
    assert "SEARCH charging_session USING INDEX ix_charging_session_tenant_started" in rows


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SITE_ADMIN])
def test_the_review_queue_counts_through_the_under_review_index(
        year_app: Flask, company: Company, role: Role) -> None:
    count = next(plan for sql, plan in _plans(year_app, company, role, "queue")
                 if sql.startswith("SELECT count"))
    assert "ix_charging_session_under_review" in count
    assert "ix_charging_session_open" not in count


def test_a_stations_connection_before_a_midnight_is_one_step_on_its_partial_index(
        year_app: Flask, company: Company) -> None:
    """Availability reads each station's last connection or disconnection before the range
    from ix_event_station_connection, not by walking back through all its statuses."""
    with year_app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        midnight = datetime(2026, 12, 7, tzinfo=UTC)
        with counted_queries(year_app) as statements:
            status_time.station_time(status_time.Among(select(Station.id)), midnight,
                                     midnight + timedelta(hours=5))
        connection = db.session.connection()
        plans = [" / ".join(row[3] for row in connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {sql}", (None,) * sql.count("?"))) for sql in statements]
    assert any("SEARCH event USING INDEX ix_event_station_connection" in plan
               for plan in plans), plans
