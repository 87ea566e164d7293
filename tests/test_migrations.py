"""The migrations build the whole model from nothing, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, make_url, select, text

from portal import config, create_app
from portal.database import ALEMBIC_OPTIONS
from portal.extensions import db
from portal.models import Alarm, AlarmKind, SessionDay, SessionMonth, Tenant
from portal.services import stations
from tenants import provisioning
from tenants.scoping import tenant_scope
from tests.factories import unique_slug
from tests.session_scene import add_session


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


def test_alarms_raised_before_0011_take_their_kind_and_get_it_back_on_downgrade(
        empty_databases: list[str]) -> None:
    raised_before = {"CP1": "station_not_registered", "CP2/1": "connector_faulted",
                     "CP3/2": "outlet_faulted"}
    for url in empty_databases:
        app = _app_for(url)
        with app.app_context():
            upgrade(revision="0010")
            # In SQL: the models of today have columns 0010 does not.
            tenant_id = db.session.execute(text(
                "INSERT INTO tenant (slug, name, description, time_zone, auto_register_stations,"
                " allow_stations_without_key, data_transfer_vendor_ids, heartbeat_interval,"
                " created_at) VALUES (:slug, 'Company', '', 'UTC', false, false, '', 300,"
                " CURRENT_TIMESTAMP) RETURNING id"), {"slug": unique_slug()}).scalar_one()
            for node, alarm_type in raised_before.items():
                db.session.execute(text(
                    "INSERT INTO alarm (tenant_id, alarm_type, node, description, raised_at)"
                    " VALUES (:tenant_id, :alarm_type, :node, '', CURRENT_TIMESTAMP)"),
                    {"tenant_id": tenant_id, "alarm_type": alarm_type, "node": node})
            db.session.commit()
            upgrade()
            tenant = db.session.get(Tenant, tenant_id)
            with tenant_scope(tenant):
                kinds = {alarm.node: alarm.kind for alarm in db.session.scalars(select(Alarm))}
            db.session.remove()
            downgrade(revision="0010")
            restored = dict(db.session.execute(text("SELECT node, alarm_type FROM alarm")).all())
            db.session.remove()
            db.engine.dispose()
        assert kinds == {"CP1": AlarmKind.NOT_REGISTERED, "CP2/1": AlarmKind.HARDWARE_FAILURE,
                         "CP3/2": AlarmKind.HARDWARE_FAILURE}, url
        assert restored == {"CP1": "station_not_registered", "CP2/1": "connector_faulted",
                            "CP3/2": "connector_faulted"}, url


def _sessions_in_amsterdam(sessions: list[tuple[datetime, int | None, int]]) -> None:
    """Migrate, and give a new company in Europe/Amsterdam station CP1 with these sessions:
    (start, minutes, energy Wh) each, open for minutes None."""
    upgrade()
    tenant = provisioning.create_tenant(unique_slug(), "Company", "a@b.example",
                                        "password-123456", "Europe/Amsterdam")
    with tenant_scope(tenant):
        station = stations.add(tenant, "CP1", connectors=1)
        for started, minutes, energy_wh in sessions:
            add_session(station, 1, started, minutes, 0, energy_wh)
    db.session.commit()


def test_0018_counts_the_sessions_already_there_per_station_and_local_day(
        empty_databases: list[str]) -> None:
    # Around the spring DST change in Amsterdam, and late in its evening (a UTC day later).
    starts = [datetime(2026, 3, 28, 22, 30, tzinfo=UTC), datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
              datetime(2026, 3, 29, 21, 59, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC)]
    for url in empty_databases:
        app = _app_for(url)
        with app.app_context():
            _sessions_in_amsterdam([(started, None if number == 3 else 30, 1000 * number)
                                    for number, started in enumerate(starts)])
            config = current_app.extensions["migrate"].migrate.get_config()
            before = ScriptDirectory.from_config(config).get_revision("0018").down_revision
            db.session.remove()
            downgrade(revision=before)
            assert "session_day" not in inspect(db.engine).get_table_names(), url
            upgrade()
            rows = {(row.day, row.sessions, row.energy_wh) for row in db.session.scalars(
                select(SessionDay).execution_options(all_tenants=True))}
            db.session.remove()
            db.engine.dispose()
        assert rows == {(date(2026, 3, 28), 1, 0), (date(2026, 3, 29), 2, 1000 + 2000),
                        (date(2026, 3, 30), 1, 0)}, url


def test_0034_adds_up_the_days_already_there_per_station_and_local_month(
        empty_databases: list[str]) -> None:
    # 2026-03-31 22:30 UTC is April 1 in Amsterdam.
    starts = [datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 31, 12, tzinfo=UTC),
              datetime(2026, 3, 31, 22, 30, tzinfo=UTC)]
    for url in empty_databases:
        app = _app_for(url)
        with app.app_context():
            _sessions_in_amsterdam([(started, 30, 1000 * (number + 1))
                                    for number, started in enumerate(starts)])
            db.session.remove()
            downgrade(revision="0033")
            assert "session_month" not in inspect(db.engine).get_table_names(), url
            upgrade()
            rows = {(row.month, row.sessions, row.energy_wh) for row in db.session.scalars(
                select(SessionMonth).execution_options(all_tenants=True))}
            db.session.remove()
            db.engine.dispose()
        assert rows == {(date(2026, 3, 1), 2, 1000 + 2000), (date(2026, 4, 1), 1, 3000)}, url
