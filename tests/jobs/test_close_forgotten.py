"""No session stays open forever: the clock closes for review those no station will stop."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from portal.config import PROJECT_ROOT
from portal.extensions import db
from portal.models import ChargingSession, MeterValue, Tenant
from portal.models.base import utcnow
from portal.services import charging_sessions, stations
from tenants.scoping import tenant_scope
from tests.factories import Company, make_tenant

NOW = utcnow().replace(microsecond=0)


def _session(tenant: Tenant, charge_box_id: str, started_ago: timedelta,
             booted_ago: timedelta | None = None) -> int:
    station = stations.add(tenant, charge_box_id, connectors=1)
    session, _ = charging_sessions.start(station, 1, "TAG", 0, NOW - started_ago)
    if booted_ago is not None:
        station.last_boot_at = NOW - booted_ago
    return session.id


def _sessions(app: Flask, company: Company) -> dict[int, ChargingSession]:
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        found = db.session.scalars(select(ChargingSession)).all()
        db.session.expunge_all()
        return {session.id: session for session in found}


def test_jobs_run_once_closes_forgotten_sessions_of_every_company(app: Flask) -> None:
    first, second = make_tenant(app), make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, first.tenant_id)
        with tenant_scope(tenant):
            rebooted = _session(tenant, "CP-REBOOTED", timedelta(hours=3), timedelta(hours=2))
            just_rebooted = _session(tenant, "CP-JUST", timedelta(hours=3), timedelta(minutes=10))
            charging = _session(tenant, "CP-CHARGING", timedelta(days=2))
            ancient = _session(tenant, "CP-ANCIENT", timedelta(days=8))
            outlet_id = db.session.get(ChargingSession, ancient).outlet_id
            db.session.add(MeterValue(
                tenant_id=tenant.id, station_id=db.session.get(ChargingSession, ancient).station_id,
                outlet_id=outlet_id, charging_session_id=ancient,
                sampled_at=NOW - timedelta(days=6), value="1500"))
            db.session.commit()
        tenant = db.session.get(Tenant, second.tenant_id)
        with tenant_scope(tenant):
            other_rebooted = _session(tenant, "CP-REBOOTED", timedelta(hours=5), timedelta(hours=4))
            db.session.commit()

    result = app.test_cli_runner().invoke(args=["jobs", "run", "--once"])

    assert result.exit_code == 0, result.output
    assert "close forgotten sessions:" in result.output
    mine = _sessions(app, first)
    assert mine[rebooted].stopped_at == NOW - timedelta(hours=2)
    assert mine[rebooted].needs_review
    assert "rebooted and never reported" in mine[rebooted].review_note
    assert mine[ancient].stopped_at == NOW - timedelta(days=6)  # its last meter value
    assert "more than 7 days" in mine[ancient].review_note
    assert mine[just_rebooted].stopped_at is None  # it may still report the end
    assert mine[charging].stopped_at is None  # two days is a long charge, not a lost one
    assert _sessions(app, second)[other_rebooted].stopped_at == NOW - timedelta(hours=4)


def test_the_clock_process_runs_the_jobs_at_once_on_start(app: Flask, database_url: str) -> None:
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            rebooted = _session(tenant, "CP-REBOOTED", timedelta(hours=3), timedelta(hours=2))
            db.session.commit()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key"}
    clock = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run"],
                             cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while _sessions(app, company)[rebooted].stopped_at is None:
            assert clock.poll() is None, clock.stdout.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the clock did not run the job within 30 s"
            time.sleep(0.2)
    finally:
        clock.terminate()
        clock.wait(timeout=10)
        clock.stdout.close()  # type: ignore[union-attr]
    assert _sessions(app, company)[rebooted].needs_review
