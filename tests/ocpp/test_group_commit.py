"""Group commit: frames of many stations in one transaction, yet a bad frame fails alone."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import select

from ocpp_ws import message_log
from ocpp_ws.group_commit import GroupCommit, Writes
from ocpp_ws.station_state import StationState
from portal.extensions import db
from portal.models import Direction, OcppMessage, Tenant
from portal.services import stations
from tenants.scoping import tenant_scope
from tests.factories import Company, make_tenant


def _connected_station(app: Flask) -> tuple[Company, StationState, GroupCommit]:
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station = stations.add(tenant, "CP1")
            db.session.commit()
            state = StationState(company.tenant_id, station.id, "CP1")
        db.session.remove()  # SQLite has one connection: the writer needs it
        return company, state, GroupCommit(db.engine)


def test_a_failing_frame_does_not_take_the_others_of_its_batch_down(app: Flask) -> None:
    company, good, committer = _connected_station(app)
    gone = StationState(company.tenant_id, 10**9, "GONE")  # its rows break a foreign key
    frames: dict[str, Writes] = {}
    for name, state in [("good-1", good), ("bad", gone), ("good-2", good)]:
        frames[name] = Writes()
        frames[name].add(message_log.INSERT, message_log.entry(
            state, Direction.FROM_STATION, "[2,\"1\",\"Heartbeat\",{}]", 2, name, "Heartbeat"))
    outcomes: dict[str, BaseException | None] = {}
    start = threading.Barrier(len(frames))

    def commit(name: str) -> None:
        start.wait()
        try:
            committer.commit(frames[name])
            outcomes[name] = None
        except Exception as error:
            outcomes[name] = error

    threads = [threading.Thread(target=commit, args=(name,)) for name in frames]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes["good-1"] is None and outcomes["good-2"] is None
    assert outcomes["bad"] is not None
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        logged = set(db.session.scalars(select(OcppMessage.unique_id)))
    assert logged == {"good-1", "good-2"}


def test_commit_returns_only_once_the_rows_are_readable(app: Flask) -> None:
    company, state, committer = _connected_station(app)
    with app.app_context():
        for number in range(20):
            writes = Writes()
            writes.add(message_log.INSERT, message_log.entry(
                state, Direction.TO_STATION, "[3,\"1\",{}]", 3, str(number), None))
            committer.commit(writes)
            with tenant_scope(db.session.get(Tenant, company.tenant_id)):
                count = len(db.session.scalars(select(OcppMessage.id)).all())
            db.session.remove()
            assert count == number + 1
