"""A command whose worker stopped before the station answered is closed by the clock."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.jobs import JOBS, run_for_every_company
from portal.models import Command, CommandOutcome, Tenant
from portal.models.base import utcnow
from portal.services import stations
from tenants.scoping import tenant_scope
from tests.factories import make_tenant


def test_only_long_pending_commands_are_closed_as_timed_out(app: Flask) -> None:
    company = make_tenant(app)
    now = utcnow()
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            station = stations.add(tenant, "CP1")
            for minutes, outcome in ((11, CommandOutcome.PENDING), (2, CommandOutcome.PENDING),
                                     (60, CommandOutcome.ANSWERED)):
                db.session.add(Command(station_id=station.id, charge_box_id="CP1",
                                       action="Reset", payload={"type": "Soft"},
                                       outcome=outcome,
                                       issued_at=now - timedelta(minutes=minutes)))
            db.session.commit()
        [job] = [job for job in JOBS if job.name == "settle abandoned commands"]
        assert run_for_every_company(job, now) == 1
        with tenant_scope(db.session.get(Tenant, company.tenant_id)):
            found = db.session.scalars(select(Command).order_by(Command.issued_at)).all()
            assert [command.outcome for command in found] == [
                CommandOutcome.ANSWERED, CommandOutcome.TIMED_OUT, CommandOutcome.PENDING]
            assert "stopped before the station answered" in found[1].error_description
