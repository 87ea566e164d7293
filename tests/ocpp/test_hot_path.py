"""The frequent messages cost a fixed, small number of SQL statements and no ORM load."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from ocpp_ws import dispatcher
from ocpp_ws.station_state import StationState
from portal import lanes
from portal.extensions import db
from portal.models import MeterValue, Tenant
from portal.models.base import utcnow
from portal.services import charging_sessions, stations
from tenants.scoping import tenant_scope
from tests.factories import make_tenant


@pytest.fixture
def connected(app: Flask) -> tuple[StationState, int]:
    """A connected station's state (as the endpoint loads it) and its open transaction."""
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station = stations.add(tenant, "CP1", connectors=1)
            station.last_seen_at = utcnow()
            session, _ = charging_sessions.start(station, 1, "TAG", 0, utcnow())
            db.session.commit()
            state = StationState(tenant.id, station.id, "CP1")
            state.load()
            return state, session.transaction_id


@pytest.fixture
def inserts_as(app: Flask) -> str:
    """How the group commit writes rows: one executemany INSERT, or on PostgreSQL one COPY
    (ocpp_ws.group_commit)."""
    with app.app_context():
        return "COPY" if db.engine.dialect.name == "postgresql" else "INSERT"


@contextmanager
def every_statement(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run in the block, COPYs included.

    On PostgreSQL the group commit inserts with COPY on the driver's own cursor, which
    SQLAlchemy's events never see; so while the block runs, the psycopg connections handed
    out make cursors that note the COPY they run as well.
    """
    statements: list[str] = []
    factories: dict[int, tuple[Any, type]] = {}  # connection id -> (connection, its own)

    def note(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    def note_copies(dbapi_connection: Any, *args: Any) -> None:
        if hasattr(dbapi_connection, "cursor_factory"):  # psycopg, not sqlite3
            own = factories.setdefault(id(dbapi_connection),
                                       (dbapi_connection, dbapi_connection.cursor_factory))[1]
            dbapi_connection.cursor_factory = _copy_noting(own, statements)

    with app.app_context():
        # on PostgreSQL the OCPP lane has an engine of its own (portal.lanes)
        engines = [engine for engine in (db.engine, lanes.ocpp_engine(app)) if engine]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", note)
        event.listen(engine, "checkout", note_copies)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "checkout", note_copies)
            event.remove(engine, "before_cursor_execute", note)
        for dbapi_connection, own in factories.values():
            dbapi_connection.cursor_factory = own


def _copy_noting(cursor_class: type, statements: list[str]) -> type:
    class CopyNotingCursor(cursor_class):  # type: ignore[misc, valid-type]
        def copy(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
            statements.append(str(statement))
            return super().copy(statement, *args, **kwargs)

    return CopyNotingCursor


def _statements(app: Flask, state: StationState, frame: list) -> list[str]:
    """What one frame from the station costs: each statement as its verb and table."""
    with app.app_context(), tenant_scope(db.session.get(Tenant, state.tenant_id)):
        db.session.remove()
        with every_statement(app) as statements:
            answer = dispatcher.handle_frame(state, json.dumps(frame), 65536)
    assert json.loads(answer)[0] == 3, answer
    return [_verb_and_table(statement) for statement in statements]


def _verb_and_table(statement: str) -> str:
    match = re.match(r'\s*(INSERT INTO|UPDATE|DELETE FROM|COPY|SELECT .*? FROM)\s+"?(\w+)',
                     statement, re.S | re.I)
    assert match, statement
    return f"{match.group(1).split()[0].upper()} {match.group(2)}"


def _meter_values(transaction_id: int, samples: int, unique_id: str) -> list:
    sampled = [{"value": str(n), "measurand": "Energy.Active.Import.Register"}
               for n in range(samples)]
    return [2, unique_id, "MeterValues", {"connectorId": 1, "transactionId": transaction_id,
                                          "meterValue": [{"timestamp": "2026-11-23T10:00:00Z",
                                                          "sampledValue": sampled}]}]


def test_heartbeat_is_one_update_and_one_log_insert(app: Flask, connected,
                                                    inserts_as: str) -> None:
    state, _ = connected
    assert _statements(app, state, [2, "1", "Heartbeat", {}]) == [
        "UPDATE station", f"{inserts_as} ocpp_message"]
    # last_heartbeat_at was just written: the next heartbeat only adds its log rows
    assert _statements(app, state, [2, "2", "Heartbeat", {}]) == [f"{inserts_as} ocpp_message"]


def test_meter_values_cost_does_not_grow_with_samples(app: Flask, connected,
                                                      inserts_as: str) -> None:
    state, transaction_id = connected
    one = _statements(app, state, _meter_values(transaction_id, 1, "2"))
    twenty = _statements(app, state, _meter_values(transaction_id, 20, "3"))
    # one statement for the values, one for the two log rows, nothing read
    assert one == [f"{inserts_as} meter_value", f"{inserts_as} ocpp_message"]
    assert twenty == one
    with app.app_context(), tenant_scope(db.session.get(Tenant, state.tenant_id)):
        stored = db.session.scalar(select(func.count()).select_from(MeterValue))
    assert stored == 1 + 20
