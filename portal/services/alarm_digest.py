"""E-mail about alarms: the daily digest, and at once for critical alarms.

The digest goes once a day, at the company's local time, to every user with "e-mail at
alarm" who can see at least one active alarm. A row per user and day (AlarmDigest) makes
it go exactly once, however many clock processes run and wherever one stopped:

- a process claims the row (an INSERT, or an UPDATE of a failed or abandoned one, each
  taken by one process only) and commits the claim before it sends;
- it then marks the row sent, or failed with the server's words, to be retried later
  that day. A claim whose process died (still "sending" after ABANDONED) is taken again:
  the one window for a second e-mail is a process dying between the mail server's "OK"
  and its commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update

from portal.database import insert_unless_present
from portal.errors import Invalid
from portal.extensions import db
from portal.models import (
    Alarm,
    AlarmDigest,
    AlarmMail,
    AlarmSeverity,
    DigestStatus,
    Role,
    Station,
    Tenant,
    User,
)
from portal.models.base import utcnow
from portal.services import alarm_lists, mail
from portal.services.alarm_lists import AlarmFilter
from tenants.scoping import current_tenant_id

RETRY_AFTER = timedelta(minutes=15)
ABANDONED = timedelta(minutes=10)
# Who may ask for alarm e-mail: site administrators get their own site's alarms.
MAILED_ROLES = (Role.ADMIN, Role.SITE_ADMIN)


@dataclass(frozen=True)
class Outcome:
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # already sent (or being sent) that day, or nothing to tell

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(self.sent + other.sent, self.failed + other.failed,
                       self.skipped + other.skipped)


def may_be_mailed(user: User) -> bool:
    return user.role in MAILED_ROLES


def choose_mail(user: User, *, daily: bool, at_once: bool) -> None:
    """The user's alarm e-mail: the daily digest, and each critical alarm at once."""
    if not may_be_mailed(user):
        raise Invalid("Only administrators and site administrators get alarm e-mail.",
                      field="daily")
    user.email_on_alarm, user.email_at_once = daily, at_once
    db.session.flush()


def recipients() -> list[User]:
    """The company's users who asked for alarm e-mail and may have it."""
    return list(db.session.scalars(select(User).where(
        User.email_on_alarm, User.active, User.role.in_(MAILED_ROLES)).order_by(User.id)))


def due_day(tenant: Tenant, now: datetime) -> date | None:
    """The local date whose digest is due at `now`: today once the company's digest time
    has come, else None."""
    local = now.astimezone(ZoneInfo(tenant.time_zone))
    return local.date() if local.time() >= tenant.digest_time else None


def send_due(now: datetime) -> int:
    """The clock's job for the current company: today's digests, once their time has come,
    and the retries of those that failed."""
    tenant = db.session.get(Tenant, current_tenant_id())
    assert tenant is not None
    day = due_day(tenant, now)
    return 0 if day is None else send_digests(tenant, day, now).sent


def send_digests(tenant: Tenant, day: date, now: datetime) -> Outcome:
    """Each recipient's digest of `day`, unless it went already; commits as it goes."""
    outcome = Outcome()
    for user in recipients():
        outcome += _send_one(tenant, user, day, now)
    return outcome


def _send_one(tenant: Tenant, user: User, day: date, now: datetime) -> Outcome:
    active = alarm_lists.active(user, AlarmFilter())
    if not active or not _claim(tenant, user, day, now):
        db.session.rollback()
        return Outcome(skipped=1)
    db.session.commit()  # the claim is seen by every other clock before anything is sent
    shown = active[:alarm_lists.ACTIVE_SHOWN]
    message = mail.compose(
        "alarm_digest", to=user.email, tenant=tenant,
        subject=f"{tenant.name}: {len(shown)} active alarm{'s' if len(shown) != 1 else ''}",
        user=user, day=day, more=len(active) > len(shown),
        rows=[(alarm, _local(alarm.raised_at, tenant)) for alarm in shown],
        critical=sum(alarm.severity is AlarmSeverity.CRITICAL for alarm in shown))
    digest = db.session.scalar(select(AlarmDigest).where(
        AlarmDigest.user_id == user.id, AlarmDigest.day == day))
    assert digest is not None
    digest.attempts += 1
    digest.alarms = len(shown)
    try:
        mail.send(message)
    except mail.MailNotSent as problem:
        digest.status, digest.last_error = DigestStatus.FAILED, str(problem)
        digest.next_attempt_at = now + RETRY_AFTER
        db.session.commit()
        return Outcome(failed=1)
    digest.status, digest.sent_at, digest.last_error = DigestStatus.SENT, utcnow(), ""
    db.session.commit()
    return Outcome(sent=1)


def _claim(tenant: Tenant, user: User, day: date, now: datetime) -> bool:
    """Take the user's digest of the day for this process: True for exactly one process."""
    if insert_unless_present(AlarmDigest.__table__, {
            "tenant_id": tenant.id, "user_id": user.id, "day": day,
            "status": DigestStatus.SENDING.value, "alarms": 0, "attempts": 0,
            "last_error": "", "claimed_at": now}, unique=("user_id", "day")):
        return True
    retry = or_(and_(AlarmDigest.status == DigestStatus.FAILED,
                     AlarmDigest.next_attempt_at <= now),
                and_(AlarmDigest.status == DigestStatus.SENDING,
                     AlarmDigest.claimed_at <= now - ABANDONED))
    taken = db.session.execute(update(AlarmDigest).where(
        AlarmDigest.user_id == user.id, AlarmDigest.day == day, retry)
        .values(status=DigestStatus.SENDING, claimed_at=now)
        .execution_options(synchronize_session=False))
    return taken.rowcount == 1


def failures(day: date, reader: User | None = None) -> list[AlarmDigest]:
    """The digests of the day that the mail server did not take (yet): the company's, or
    the reader's own unless they are an administrator."""
    query = select(AlarmDigest).where(AlarmDigest.day == day,
                                      AlarmDigest.status == DigestStatus.FAILED)
    if reader is not None and reader.role is not Role.ADMIN:
        query = query.where(AlarmDigest.user_id == reader.id)
    return list(db.session.scalars(query.order_by(AlarmDigest.id)))


def mail_critical_at_once(now: datetime) -> int:
    """The clock's job for the current company: each new critical alarm of a station, to
    the users who asked to be told at once and may see it, at most one e-mail per user,
    station and hour. Returns how many e-mails went."""
    tenant = db.session.get(Tenant, current_tenant_id())
    assert tenant is not None
    hour = now.replace(minute=0, second=0, microsecond=0)
    sent = 0
    for alarm in db.session.scalars(select(Alarm).join(Station, Alarm.station_id == Station.id)
                                    .where(Alarm.notified_at.is_(None),
                                           Alarm.cleared_at.is_(None),
                                           Alarm.severity == AlarmSeverity.CRITICAL,
                                           Station.active).order_by(Alarm.id)):
        claimed = db.session.execute(update(Alarm).where(
            Alarm.id == alarm.id, Alarm.notified_at.is_(None)).values(notified_at=now)
            .execution_options(synchronize_session=False))
        db.session.commit()
        if claimed.rowcount != 1:
            continue  # another clock took it
        for user in _told_at_once(alarm):
            if not insert_unless_present(AlarmMail.__table__, {
                    "tenant_id": tenant.id, "user_id": user.id,
                    "station_id": alarm.station_id, "hour": hour},
                    unique=("user_id", "station_id", "hour")):
                continue  # this station already mailed them this hour
            db.session.commit()
            try:
                mail.send(mail.compose(
                    "alarm_at_once", to=user.email, tenant=tenant,
                    subject=f"{tenant.name}: {alarm.kind.label} on {alarm.node}",
                    user=user, alarm=alarm, raised=_local(alarm.raised_at, tenant)))
                sent += 1
            except mail.MailNotSent:
                pass  # the daily digest still lists it
    return sent


def _local(moment: datetime, tenant: Tenant) -> str:
    return moment.astimezone(ZoneInfo(tenant.time_zone)).strftime("%Y-%m-%d %H:%M")


def _told_at_once(alarm: Alarm) -> list[User]:
    users = db.session.scalars(select(User).where(
        User.email_at_once, User.active, User.role.in_(MAILED_ROLES)).order_by(User.id))
    return [user for user in users
            if user.role is Role.ADMIN
            or (user.site_id is not None and user.site_id == alarm.station.site_id)]
