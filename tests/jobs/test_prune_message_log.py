"""The message log keeps MESSAGE_LOG_RETENTION_DAYS of frames, for every company."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import Direction, OcppMessage, Tenant
from portal.models.base import utcnow
from portal.services import message_log, stations
from tenants.scoping import tenant_scope
from tests.factories import Company, make_tenant


def _log_frames(app: Flask, company: Company, ages_in_days: list[int]) -> None:
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station = stations.add(tenant, "CP1")
            for number, age in enumerate(ages_in_days):
                db.session.add(OcppMessage(
                    tenant_id=tenant.id, station_id=station.id, charge_box_id="CP1",
                    direction=Direction.FROM_STATION, message_type=2, unique_id=str(number),
                    action="Heartbeat", frame=f'[2,"{number}","Heartbeat",{{}}]',
                    logged_at=utcnow() - timedelta(days=age, minutes=1)))
            db.session.commit()


def _kept_ids(app: Flask, company: Company) -> list[str]:
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        return sorted(db.session.scalars(select(OcppMessage.unique_id)))


def test_frames_older_than_the_retention_are_pruned_in_every_company(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(message_log, "PRUNE_CHUNK", 2)  # several chunks for a few rows
    monkeypatch.setitem(app.config, "MESSAGE_LOG_RETENTION_DAYS", 30)
    first, second = make_tenant(app), make_tenant(app)
    _log_frames(app, first, [45, 40, 31, 30, 29, 0])  # ids 0..5
    _log_frames(app, second, [400, 1])

    result = app.test_cli_runner().invoke(args=["jobs", "run", "--once"])

    assert result.exit_code == 0, result.output
    assert _kept_ids(app, first) == ["4", "5"]
    assert _kept_ids(app, second) == ["1"]


def test_retention_zero_keeps_every_frame(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "MESSAGE_LOG_RETENTION_DAYS", 0)
    company = make_tenant(app)
    _log_frames(app, company, [3650, 0])
    assert app.test_cli_runner().invoke(args=["jobs", "run", "--once"]).exit_code == 0
    assert _kept_ids(app, company) == ["0", "1"]
