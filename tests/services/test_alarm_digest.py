"""The daily alarm digest and the at-once e-mail, through a real SMTP server (aiosmtpd):
who gets what, exactly once per user and day, retries after the server was down, and the
day as the company's time zone has it."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from portal.errors import Invalid
from portal.extensions import db
from portal.models import AlarmDigest, AlarmKind, AlarmSeverity, DigestStatus, Role, User
from portal.models.base import utcnow
from portal.services import alarm_digest, alarms
from tests.conftest import free_port
from tests.factories import Company, World
from tests.mail_server import MailServer, allow_smtp_to, running_mail_server
from tests.scene import company_scope, station

DIGEST_AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 08:00 in Brussels, its digest time


def _alarm(charge_box_id: str, kind: AlarmKind, severity: AlarmSeverity,
           text: str = "Trouble.") -> None:
    found = station(charge_box_id)
    alarms.raise_alarm(found.tenant_id, alarms.Cause(kind, severity, text), charge_box_id,
                       station=found, at=DIGEST_AT - timedelta(hours=5))


def _wants_mail(company: Company, role: Role, *, at_once: bool = False) -> None:
    user = db.session.scalar(select(User).where(User.email == company.email(role)))
    user.email_on_alarm, user.email_at_once = True, at_once


@pytest.fixture
def alarmed(app: Flask, world: World) -> World:
    """Company A, in Brussels with its digest at 08:00: a critical alarm on Site one, a
    warning on Site two. Its administrator, site administrator (Site one) and support user
    ask for e-mail at alarm (support may not have it)."""
    a = world.a
    with company_scope(app, a) as tenant:
        tenant.time_zone, tenant.digest_time = "Europe/Brussels", time(8, 0)
        _alarm(a.station_site1, AlarmKind.HARDWARE_FAILURE, AlarmSeverity.CRITICAL,
               "Connector 1: Faulted (PowerSwitchFailure).")
        _alarm(a.station_site2, AlarmKind.TEMPERATURE, AlarmSeverity.WARNING, "Too warm.")
        for role in (Role.ADMIN, Role.SITE_ADMIN, Role.SUPPORT):
            _wants_mail(a, role)
    with company_scope(app, world.b):
        _alarm(world.b.station_site1, AlarmKind.FUSE, AlarmSeverity.CRITICAL, "SECRET-OF-B")
        _wants_mail(world.b, Role.ADMIN)
    return world


def _send_due(app: Flask, company: Company, now: datetime) -> int:
    with company_scope(app, company):
        return alarm_digest.send_due(now)


def _by_recipient(server: MailServer) -> dict[str, list[str]]:
    mails: dict[str, list[str]] = {}
    for received in server.received:
        for recipient in received.recipients:
            mails.setdefault(recipient, []).append(received.text)
    return mails


def test_each_recipient_gets_the_alarms_they_can_see_with_links(
        app: Flask, alarmed: World, mail_server: MailServer) -> None:
    a = alarmed.a
    assert _send_due(app, a, DIGEST_AT) == 2
    mails = _by_recipient(mail_server)
    assert sorted(mails) == sorted([a.email(Role.ADMIN), a.email(Role.SITE_ADMIN)])
    admin_text = mails[a.email(Role.ADMIN)][0]
    assert "2 active alarms you can see (1 critical), on 2026-03-02" in admin_text
    assert "CRITICAL Hardware failure: CP-SITE1, since 2026-03-02 03:00" in admin_text
    assert "WARNING Temperature out of range: CP-SITE2" in admin_text
    site_text = mails[a.email(Role.SITE_ADMIN)][0]
    assert "CP-SITE1" in site_text and "CP-SITE2" not in site_text
    assert "SECRET-OF-B" not in str(mails)
    admin_mail = next(m for m in mail_server.received if a.email(Role.ADMIN) in m.recipients)
    assert admin_mail.message["Subject"].endswith(": 2 active alarms")
    portal_at = rf"http://{a.slug}\.localhost(:\d+)?"  # PORTAL_URL's host, the company's
    assert re.search(rf'href="{portal_at}/stations/CP-SITE1"', admin_mail.html)
    assert re.search(rf"{portal_at}/alarms\b", admin_text)


def test_not_before_the_companys_time_and_once_per_user_and_day(
        app: Flask, alarmed: World, mail_server: MailServer) -> None:
    a = alarmed.a
    assert _send_due(app, a, DIGEST_AT - timedelta(minutes=1)) == 0  # 07:59 in Brussels
    assert _send_due(app, a, DIGEST_AT) == 2
    assert _send_due(app, a, DIGEST_AT + timedelta(hours=3)) == 0
    assert len(mail_server.received) == 2
    assert _send_due(app, a, DIGEST_AT + timedelta(days=1)) == 2  # the next day's


def test_two_clocks_at_once_send_each_digest_once(
        app: Flask, alarmed: World, mail_server: MailServer) -> None:
    results: list[int] = []
    start = threading.Barrier(2)

    def clock() -> None:
        start.wait()
        results.append(_send_due(app, alarmed.a, DIGEST_AT))

    clocks = [threading.Thread(target=clock) for _ in range(2)]
    for each in clocks:
        each.start()
    for each in clocks:
        each.join()
    assert sorted(results) in ([0, 2], [1, 1])
    assert sorted(r for m in mail_server.received for r in m.recipients) == sorted(
        [alarmed.a.email(Role.ADMIN), alarmed.a.email(Role.SITE_ADMIN)])


def test_a_mail_server_that_was_down_is_tried_again_later_that_day(
        app: Flask, portal, alarmed: World, monkeypatch: pytest.MonkeyPatch) -> None:
    a = alarmed.a
    with company_scope(app, a) as tenant:  # today, as the page's failures are today's
        tenant.time_zone = "UTC"
    at = datetime.combine(utcnow().date(), time(9, 0), UTC)
    down = free_port()  # nothing listens there
    allow_smtp_to(monkeypatch, down)
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{down}")
    assert _send_due(app, a, at) == 0
    with company_scope(app, a):
        failed = alarm_digest.failures(at.date())
        assert [(d.status, d.attempts) for d in failed] == [(DigestStatus.FAILED, 1)] * 2
    client = portal(a)
    client.login(a.email(Role.ADMIN))
    page = client.get("/alarms").get_data(as_text=True)
    assert "The daily alarm digest could not be sent to 2 users" in page
    assert "nothing answers at 127.0.0.1" in page
    with running_mail_server() as server:
        allow_smtp_to(monkeypatch, server.port)
        monkeypatch.setitem(app.config, "SMTP_URL", server.url())
        assert _send_due(app, a, at + timedelta(minutes=5)) == 0  # not yet
        assert _send_due(app, a, at + timedelta(minutes=15)) == 2
        assert _send_due(app, a, at + timedelta(minutes=30)) == 0
        assert len(server.received) == 2
    with company_scope(app, a):
        assert alarm_digest.failures(at.date()) == []
        assert {d.attempts for d in db.session.scalars(select(AlarmDigest))} == {2}
    assert "could not be sent" not in client.get("/alarms").get_data(as_text=True)


def test_the_day_is_the_companys_in_its_time_zone(
        app: Flask, alarmed: World, mail_server: MailServer) -> None:
    a = alarmed.a
    with company_scope(app, a) as tenant:
        tenant.time_zone, tenant.digest_time = "Pacific/Auckland", time(7, 0)  # UTC+13
    evening_utc = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)  # 07:00 on 2 March in Auckland
    assert _send_due(app, a, evening_utc - timedelta(minutes=1)) == 0
    assert _send_due(app, a, evening_utc) == 2
    assert "on 2026-03-02" in mail_server.received[0].text
    assert _send_due(app, a, evening_utc + timedelta(hours=5)) == 0  # still 2 March there
    with company_scope(app, a):
        days = sorted({d.day for d in db.session.scalars(select(AlarmDigest))})
    assert [day.isoformat() for day in days] == ["2026-03-02"]


def test_nobody_is_mailed_when_nothing_is_active(app: Flask, world: World,
                                                 mail_server: MailServer) -> None:
    with company_scope(app, world.a):
        _wants_mail(world.a, Role.ADMIN)
    assert _send_due(app, world.a, DIGEST_AT + timedelta(hours=12)) == 0
    assert mail_server.received == []


def test_a_critical_alarm_is_mailed_at_once_at_most_once_per_station_and_hour(
        app: Flask, world: World, mail_server: MailServer) -> None:
    a = world.a
    with company_scope(app, a):
        _wants_mail(a, Role.ADMIN, at_once=True)
        _wants_mail(a, Role.SITE_ADMIN, at_once=True)  # Site one only
        _alarm(a.station_site1, AlarmKind.HARDWARE_FAILURE, AlarmSeverity.CRITICAL)
        _alarm(a.station_site2, AlarmKind.TEMPERATURE, AlarmSeverity.WARNING)  # no: a warning

    def job(now: datetime) -> int:
        with company_scope(app, a):
            return alarm_digest.mail_critical_at_once(now)

    assert job(DIGEST_AT) == 2
    assert sorted(r for m in mail_server.received for r in m.recipients) == sorted(
        [a.email(Role.ADMIN), a.email(Role.SITE_ADMIN)])
    assert mail_server.received[0].message["Subject"].endswith("Hardware failure on CP-SITE1")
    assert job(DIGEST_AT) == 0  # told already
    with company_scope(app, a):  # another critical alarm of the same station, same hour
        _alarm(a.station_site1, AlarmKind.FUSE, AlarmSeverity.CRITICAL)
        _alarm(a.station_site2, AlarmKind.VOLTAGE, AlarmSeverity.CRITICAL)
    assert job(DIGEST_AT + timedelta(minutes=10)) == 1  # Site two's, to the administrator
    assert mail_server.received[-1].recipients == [a.email(Role.ADMIN)]


def test_the_first_administrator_has_the_digest_and_support_cannot_choose_it(
        app: Flask, world: World) -> None:
    with company_scope(app, world.a):
        admin = db.session.scalar(select(User).where(User.email == world.a.email(Role.ADMIN)))
        support = db.session.scalar(select(User).where(
            User.email == world.a.email(Role.SUPPORT)))
        assert admin.email_on_alarm
        with pytest.raises(Invalid, match="Only administrators and site administrators"):
            alarm_digest.choose_mail(support, daily=True, at_once=False)


def test_flask_alarms_digest_sends_a_days_digest_once(
        app: Flask, alarmed: World, mail_server: MailServer) -> None:
    runner = app.test_cli_runner()
    args = ["alarms", "digest", "--tenant", alarmed.a.slug, "--date", "2026-03-02"]
    first: Result = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert f"{alarmed.a.slug} 2026-03-02: 2 sent, 0 failed" in first.output
    again = runner.invoke(args=args)
    assert "0 sent, 0 failed, 2 with nothing to send or sent before" in again.output
    assert len(mail_server.received) == 2
    assert runner.invoke(args=["alarms", "digest", "--date", "March"]).exit_code == 2


def test_a_user_chooses_alarm_mail_on_their_account_page(app: Flask, portal,
                                                         world: World) -> None:
    client = portal(world.a)
    client.login(world.a.email(Role.SITE_ADMIN))
    page = client.get("/account/alarm-mail").get_data(as_text=True)
    assert "The digest goes once a day at 07:00 (UTC)" in page
    answer = client.post("/account/alarm-mail", {"daily": "y", "at_once": "y"},
                         csrf_from="/account/alarm-mail")
    assert answer.status_code == 302
    with company_scope(app, world.a):
        user = db.session.scalar(select(User).where(
            User.email == world.a.email(Role.SITE_ADMIN)))
        assert (user.email_on_alarm, user.email_at_once) == (True, True)
