from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, TenantOwned, str_enum, utcnow
from portal.models.station import Outlet, Station
from portal.models.user import User


class AlarmSeverity(enum.StrEnum):
    CRITICAL = "critical"  # charging is stopped or at risk: someone must go and look
    WARNING = "warning"  # something to look into; charging goes on


class AlarmKind(enum.StrEnum):
    """What an alarm is about. Each kind has a severity and words for people (ALARM_KINDS)."""

    NOT_REGISTERED = "not_registered"
    NO_NETWORK_CONTACT = "no_network_contact"
    HARDWARE_FAILURE = "hardware_failure"
    FUSE = "fuse"
    TEMPERATURE = "temperature"
    VOLTAGE = "voltage"
    HARDWARE_CONFIGURATION_MISMATCH = "hardware_configuration_mismatch"
    FIRMWARE_UPDATE_FAILED = "firmware_update_failed"
    DIAGNOSTICS_UPLOAD_FAILED = "diagnostics_upload_failed"
    SECURITY_EVENT = "security_event"

    @property
    def severity(self) -> AlarmSeverity:
        return ALARM_KINDS[self][0]

    @property
    def label(self) -> str:
        return ALARM_KINDS[self][1]


ALARM_KINDS: dict[AlarmKind, tuple[AlarmSeverity, str]] = {
    AlarmKind.NOT_REGISTERED: (AlarmSeverity.WARNING, "Station not registered"),
    AlarmKind.NO_NETWORK_CONTACT: (AlarmSeverity.CRITICAL, "No network contact"),
    AlarmKind.HARDWARE_FAILURE: (AlarmSeverity.CRITICAL, "Hardware failure"),
    AlarmKind.FUSE: (AlarmSeverity.CRITICAL, "Fuse tripped"),
    AlarmKind.TEMPERATURE: (AlarmSeverity.WARNING, "Temperature out of range"),
    AlarmKind.VOLTAGE: (AlarmSeverity.WARNING, "Voltage out of range"),
    AlarmKind.HARDWARE_CONFIGURATION_MISMATCH: (AlarmSeverity.WARNING,
                                                "Hardware configuration mismatch"),
    AlarmKind.FIRMWARE_UPDATE_FAILED: (AlarmSeverity.WARNING, "Firmware update failed"),
    AlarmKind.DIAGNOSTICS_UPLOAD_FAILED: (AlarmSeverity.WARNING, "Diagnostics upload failed"),
    AlarmKind.SECURITY_EVENT: (AlarmSeverity.CRITICAL, "Security event"),
}

# At most one open alarm of a kind per node, whichever worker raises it.
OPEN = "cleared_at IS NULL"


class Alarm(TenantOwned, Base):
    """Something staff must look at (a faulted outlet, a station that does not connect)."""

    __tablename__ = "alarm"
    __table_args__ = (
        Index("ix_alarm_tenant_open", "tenant_id", "cleared_at", "raised_at"),
        Index("ux_alarm_open", "tenant_id", "kind", "node", unique=True,
              postgresql_where=text(OPEN), sqlite_where=text(OPEN)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlarmKind] = mapped_column(str_enum(AlarmKind))
    # The kind's, unless the cause says otherwise (an error code on a connector that is not
    # Faulted is a warning).
    severity: Mapped[AlarmSeverity] = mapped_column(
        str_enum(AlarmSeverity), default=lambda context: AlarmKind(
            context.get_current_parameters()["kind"]).severity,
        server_default=AlarmSeverity.WARNING.value)
    # The topology node it concerns, by reference where it exists and by name always.
    node: Mapped[str] = mapped_column(String(255), default="")
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text, default="")
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the users who asked to be told at once of a critical alarm were mailed about it.
    notified_at: Mapped[datetime | None]
    cleared_at: Mapped[datetime | None]
    cleared_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    station: Mapped[Station | None] = relationship()
    outlet: Mapped[Outlet | None] = relationship()
    cleared_by: Mapped[User | None] = relationship()


class DigestStatus(enum.StrEnum):
    SENDING = "sending"  # claimed by a clock process, which is sending it now
    SENT = "sent"
    FAILED = "failed"  # the mail server refused or was down: retried later that day


class AlarmDigest(TenantOwned, Base):
    """One user's daily alarm digest: its row makes it go once per user and day, whichever
    clock process gets to it first."""

    __tablename__ = "alarm_digest"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    day: Mapped[date]  # the company's local date
    status: Mapped[DigestStatus] = mapped_column(str_enum(DigestStatus))
    alarms: Mapped[int] = mapped_column(default=0)  # how many it listed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class AlarmMail(TenantOwned, Base):
    """An e-mail sent at once about a station's critical alarm: at most one per user, station
    and hour."""

    __tablename__ = "alarm_mail"
    __table_args__ = (UniqueConstraint("user_id", "station_id", "hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    hour: Mapped[datetime]  # the hour it was sent in (UTC, minutes cut off)
