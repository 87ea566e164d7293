"""The clock process (`flask jobs run`): periodic work done for every company.

Each job is a function of (now) run inside one company's tenant scope and committed per
company, so that one company's failure neither stops nor undoes another's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import select

from portal import database
from portal.extensions import db
from portal.models import Tenant
from portal.models.base import utcnow
from portal.services import (
    alarm_digest,
    alarms,
    backups,
    charging_sessions,
    message_log,
    monthly_reports,
    operations,
    outbox,
    reservations,
    rollups,
)
from tenants.scoping import tenant_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[datetime], int]  # returns how many things it handled
    per_company: bool = True  # else once for the whole database, in no company's scope
    # The clock's first run: at once, or this much later. What keeps sessions, commands
    # and reservations right goes first; the rest waits a minute, so that a clock started
    # on many companies does not run every job over all of them at the same moment.
    first_after: timedelta = timedelta(0)


LATER = timedelta(minutes=1)
JOBS = (
    # Hands each service with events due to a thread of its own and returns at once.
    Job("deliver events to services", timedelta(seconds=2), outbox.dispatch,
        per_company=False),
    Job("close forgotten sessions", timedelta(minutes=15), charging_sessions.close_forgotten),
    Job("prune the message log", timedelta(hours=1), message_log.prune),
    Job("settle abandoned commands", timedelta(minutes=5), operations.settle_abandoned),
    Job("expire reservations", timedelta(minutes=1), reservations.expire),
    # Hourly: a company's month turns at its own midnight; on its first day each run keeps
    # only what is missing (a month's reports exist once, whatever the number of clocks).
    Job("monthly reports", timedelta(hours=1), monthly_reports.generate_due,
        first_after=LATER),
    Job("roll up the status history", timedelta(minutes=15), rollups.roll_up,
        first_after=LATER),
    Job("detect alarms", timedelta(minutes=1), alarms.detect, first_after=LATER),
    Job("mail critical alarms at once", timedelta(minutes=1),
        alarm_digest.mail_critical_at_once, first_after=LATER),
    Job("send the daily alarm digest", timedelta(minutes=5), alarm_digest.send_due,
        first_after=LATER),
    Job("refresh the planner statistics", timedelta(days=1), database.refresh_statistics,
        per_company=False, first_after=LATER),
    Job("measure the outbox backlog", timedelta(seconds=30), outbox.measure_backlog,
        per_company=False),
    # Hourly, taking one a UTC day: a clock restarted by every deploy takes no more.
    Job("back up the database", timedelta(hours=1), backups.take_daily, per_company=False,
        first_after=LATER),
)


def run(job: Job, now: datetime | None = None) -> int:
    """Run the job for every company, or once for the database; return what it handled."""
    if job.per_company:
        return run_for_every_company(job, now)
    try:
        handled = job.run(now or utcnow())
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("job %r failed", job.name)
        return 0
    finally:
        db.session.remove()
    return handled


def run_for_every_company(job: Job, now: datetime | None = None) -> int:
    """Run the job in each company's scope; return the total it handled."""
    now = now or utcnow()
    handled = 0
    tenant_ids = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
    for tenant_id in tenant_ids:
        tenant = db.session.get(Tenant, tenant_id)
        try:
            with tenant_scope(tenant):
                handled += job.run(now)
                db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("job %r failed for company %s", job.name, tenant_id)
        finally:
            db.session.remove()
    if handled:
        log.info("job %r handled %d", job.name, handled)
    return handled


def run_forever(app: Flask) -> None:
    """Run every job at its interval, the first time at once (or `first_after`), until
    stopped."""
    scheduler = BlockingScheduler(timezone="UTC")

    def run_in_app(job: Job) -> None:
        with app.app_context():
            run(job)

    for job in JOBS:
        scheduler.add_job(run_in_app, "interval", args=[job], id=job.name, name=job.name,
                          seconds=job.every.total_seconds(),
                          next_run_time=utcnow() + job.first_after,
                          max_instances=1, coalesce=True)
    scheduler.start()
