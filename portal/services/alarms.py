"""The alarm engine: the one place that decides when an alarm of each kind is raised and
when it clears, per station (node "CP1") or per connector ("CP1/2").

- An alarm is raised once while its cause lasts: a unique index keeps one open alarm per
  kind and node, whichever worker or clock raises it.
- It clears itself when the cause goes (NoError again, the station heard again, a firmware
  install that succeeds), or by a person, who is kept.
- No false alarms: a connector's fault counts only once it has lasted the company's grace
  period, and a silent station only after several heartbeat intervals. Both are decided by
  the clock (`detect`), never on the OCPP answer's path, which at most clears.
- A station marked inactive raises nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus
from sqlalchemy import Select, and_, select, update

from portal.auth.permissions import Actor, visible_stations
from portal.database import insert_unless_present
from portal.errors import NotFound
from portal.extensions import db
from portal.models import (
    Alarm,
    AlarmKind,
    AlarmSeverity,
    Outlet,
    Station,
    StationConfigurationKey,
    Tenant,
    User,
)
from portal.models.base import utcnow
from portal.services import events, live, partner_events
from tenants.scoping import current_tenant_id

# A station is missed after this long at least, whatever its heartbeat interval.
NO_CONTACT_AT_LEAST = timedelta(minutes=15)

# Error codes with a kind of their own; any other errorCode is a hardware failure.
_ERROR_KINDS = {
    ChargePointErrorCode.over_current_failure: AlarmKind.FUSE,
    ChargePointErrorCode.ground_failure: AlarmKind.FUSE,
    ChargePointErrorCode.high_temperature: AlarmKind.TEMPERATURE,
    ChargePointErrorCode.over_voltage: AlarmKind.VOLTAGE,
    ChargePointErrorCode.under_voltage: AlarmKind.VOLTAGE,
}
# The kinds a StatusNotification raises and clears (one open at a time per connector).
STATUS_KINDS = (AlarmKind.HARDWARE_FAILURE, AlarmKind.FUSE, AlarmKind.TEMPERATURE,
                AlarmKind.VOLTAGE)

# FirmwareStatusNotification and SignedFirmwareStatusNotification steps that end an update.
FIRMWARE_FAILED = frozenset({"DownloadFailed", "InstallationFailed", "InstallVerificationFailed",
                             "InvalidSignature"})
FIRMWARE_INSTALLED = "Installed"
# DiagnosticsStatusNotification and LogStatusNotification outcomes.
UPLOAD_FAILED = frozenset({"UploadFailed", "UploadFailure", "BadMessage",
                           "NotSupportedOperation", "PermissionDenied"})
UPLOADED = "Uploaded"
# The security whitepaper's critical event types that ask for a person. Its other critical
# ones (StartupOfTheDevice, ResetOrReboot, SettingSystemTime, FirmwareUpdated) happen in
# normal operation: they stay in the event log and raise nothing.
ALARMING_SECURITY_EVENTS = frozenset({"TamperDetectionActivated", "SecurityLogWasCleared",
                                      "MemoryExhaustion"})


@dataclass(frozen=True)
class Cause:
    kind: AlarmKind
    severity: AlarmSeverity
    description: str


def node_of(station: Station, connector_id: int = 0) -> str:
    """The node an alarm names: the station, or one of its connectors."""
    return station.charge_box_id if connector_id == 0 else f"{station.charge_box_id}/{connector_id}"


def status_cause(station: Station, connector_id: int, status: ChargePointStatus | None,
                 error_code: ChargePointErrorCode | None, *, info: str = "",
                 vendor_error_code: str = "") -> Cause | None:
    """The alarm a connector's status calls for, if any: Faulted is critical; an error code
    with any other status is a warning (WeakSignal, a ReaderFailure while Available)."""
    faulted = status is ChargePointStatus.faulted
    if not faulted and error_code in (None, ChargePointErrorCode.no_error):
        return None
    kind = _ERROR_KINDS.get(error_code, AlarmKind.HARDWARE_FAILURE)  # type: ignore[arg-type]
    where = "The station" if connector_id == 0 else f"Connector {connector_id}"
    said = ", ".join(part for part in (
        error_code.value if error_code else "", info and f"info {info!r}",
        vendor_error_code and f"vendor error code {vendor_error_code!r}") if part)
    status_text = status.value if status else "no status"
    return Cause(kind, AlarmSeverity.CRITICAL if faulted else AlarmSeverity.WARNING,
                 f"{where} of {station.charge_box_id}: {status_text} ({said}).")


def raise_alarm(tenant_id: int, cause: Cause, node: str, *, station: Station | None = None,
                outlet: Outlet | None = None, at: datetime | None = None) -> bool:
    """Open an alarm for the cause unless one of its kind is open for the node; True when
    this call opened it. A milder open alarm of the kind takes the new severity."""
    at = at or utcnow()
    alarm_id = insert_unless_present(
        Alarm.__table__, {
            "tenant_id": tenant_id, "kind": cause.kind.value, "severity": cause.severity.value,
            "node": node, "description": cause.description, "raised_at": at,
            "station_id": station.id if station else None,
            "outlet_id": outlet.id if outlet else None},
        unique=("tenant_id", "kind", "node"), where=Alarm.cleared_at.is_(None))
    if alarm_id is not None:
        _log(station, outlet, "alarm_raised", f"Alarm raised: {cause.kind.label}. "
             f"{cause.description}", cause.kind, at)
        partner_events.alarm_raised(tenant_id, alarm_id)
    elif cause.severity is AlarmSeverity.CRITICAL:
        db.session.execute(update(Alarm).where(
            _open(cause.kind, node), Alarm.severity == AlarmSeverity.WARNING)
            .values(severity=cause.severity, description=cause.description))
    live.changed(tenant_id)
    return alarm_id is not None


def clear(kinds: tuple[AlarmKind, ...], node: str, *, station: Station | None = None,
          outlet: Outlet | None = None, reason: str, at: datetime | None = None) -> int:
    """The cause has gone: clear the node's open alarms of these kinds; how many."""
    at = at or utcnow()
    cleared = db.session.execute(update(Alarm).where(_open(kinds, node)).values(cleared_at=at)
                                 .returning(Alarm.id, Alarm.kind)).all()
    tenant_id = station.tenant_id if station is not None else current_tenant_id()
    for alarm_id, kind in cleared:
        _log(station, outlet, "alarm_cleared", f"Alarm cleared: {kind.label}. {reason}", kind, at)
        partner_events.alarm_cleared(tenant_id, alarm_id, reason)
    if cleared:
        live.changed(tenant_id)
    return len(cleared)


def clear_by_hand(actor: User, alarm_id: int) -> Alarm:
    """A person clears an open alarm they may see; who and when are kept."""
    alarm = db.session.scalar(visible(actor, select(Alarm)).where(
        Alarm.id == alarm_id, Alarm.cleared_at.is_(None)))
    if alarm is None:
        raise NotFound(f"No open alarm {alarm_id}.")
    alarm.cleared_at, alarm.cleared_by = utcnow(), actor
    _log(alarm.station, alarm.outlet, "alarm_cleared",
         f"Alarm cleared by {actor.email}: {alarm.kind.label}.", alarm.kind, alarm.cleared_at)
    partner_events.alarm_cleared(alarm.tenant_id, alarm.id, f"Cleared by {actor.email}.")
    live.changed(alarm.tenant_id)
    return alarm


# What the OCPP handlers call: each clears at once what a message ends, and raises what
# needs no waiting (one-off failures and events).

def status_changed(station: Station, connector_id: int, outlet: Outlet | None,
                   before: Cause | None, after: Cause | None) -> None:
    """A StatusNotification moved a connector from one cause to another: clear what has
    gone. A new fault is raised by `detect` once it has lasted the grace period."""
    if before is not None and (after is None or after.kind is not before.kind):
        clear((before.kind,), node_of(station, connector_id), station=station, outlet=outlet,
              reason="The station reported the connector without that error.")


def station_heard(station: Station) -> None:
    """The station connected again: it is no longer missing."""
    clear((AlarmKind.NO_NETWORK_CONTACT,), node_of(station), station=station,
          reason="The station connected again.")


def station_added(station: Station) -> None:
    """A chargeBoxId that knocked unregistered is one of the company's now."""
    clear((AlarmKind.NOT_REGISTERED,), node_of(station), station=station,
          reason="The station was registered.")


def firmware_status(station: Station, status: str) -> None:
    """A firmware update's step: a failure is an alarm until an update is installed."""
    _step(station, AlarmKind.FIRMWARE_UPDATE_FAILED, status, failed=status in FIRMWARE_FAILED,
          done=status == FIRMWARE_INSTALLED, doing="while updating its firmware",
          done_reason="A firmware update was installed.")


def upload_status(station: Station, status: str) -> None:
    """A diagnostics or log upload's step: a failure is an alarm until an upload succeeds."""
    _step(station, AlarmKind.DIAGNOSTICS_UPLOAD_FAILED, status, failed=status in UPLOAD_FAILED,
          done=status == UPLOADED, doing="uploading its diagnostics or log",
          done_reason="An upload succeeded.")


def _step(station: Station, kind: AlarmKind, status: str, *, failed: bool, done: bool,
          doing: str, done_reason: str) -> None:
    if failed and station.active:
        raise_alarm(station.tenant_id, Cause(
            kind, kind.severity, f"{station.charge_box_id} reported {status} {doing}."),
            node_of(station), station=station)
    elif done:
        clear((kind,), node_of(station), station=station, reason=done_reason)


def security_event(station: Station, event_type: str, tech_info: str | None,
                   at: datetime) -> None:
    """A critical security event is an alarm until a person clears it."""
    if event_type in ALARMING_SECURITY_EVENTS and station.active:
        detail = f" ({tech_info})" if tech_info else ""
        raise_alarm(station.tenant_id, Cause(
            AlarmKind.SECURITY_EVENT, AlarmKind.SECURITY_EVENT.severity,
            f"{station.charge_box_id} reported {event_type}{detail}."),
            node_of(station), station=station, at=at)


def check_connectors(station: Station, reported: int | None = None) -> None:
    """Compare what the station says it has (NumberOfConnectors, when it told us, or a
    connectorId it reported) with the outlets configured for it."""
    configured = sorted(db.session.scalars(
        select(Outlet.connector_id).where(Outlet.station_id == station.id)))
    number = _number_of_connectors(station)
    node = node_of(station)
    if number is not None and number != len(configured):
        problem = (f"{station.charge_box_id} says NumberOfConnectors = {number}; "
                   f"{len(configured)} outlets are configured.")
    elif reported is not None and reported not in configured:
        problem = (f"{station.charge_box_id} reported connector {reported}, which is not "
                   f"configured (configured: {', '.join(map(str, configured)) or 'none'}).")
    else:
        if number is not None:
            clear((AlarmKind.HARDWARE_CONFIGURATION_MISMATCH,), node, station=station,
                  reason="The station's connectors and its outlets agree.")
        return
    if station.active:
        raise_alarm(station.tenant_id, Cause(
            AlarmKind.HARDWARE_CONFIGURATION_MISMATCH,
            AlarmKind.HARDWARE_CONFIGURATION_MISMATCH.severity, problem), node, station=station)


def station_deactivated(station: Station) -> None:
    """An inactive station's open alarms go: nobody is to act on them."""
    reason = "The station was marked inactive."
    cleared = db.session.execute(update(Alarm).where(
        Alarm.station_id == station.id, Alarm.cleared_at.is_(None))
        .values(cleared_at=utcnow()).returning(Alarm.id, Alarm.kind)).all()
    for alarm_id, kind in cleared:
        _log(station, None, "alarm_cleared", f"Alarm cleared: {kind.label}. {reason}", kind,
             utcnow())
        partner_events.alarm_cleared(station.tenant_id, alarm_id, reason)
    live.changed(station.tenant_id)


def detect(now: datetime) -> int:
    """The clock's part, for the current company: raise the faults that have lasted the
    grace period and the stations not heard for too long; clear those heard again. Returns
    how many alarms it raised or cleared."""
    tenant = db.session.get(Tenant, current_tenant_id())
    assert tenant is not None
    return _lasting_faults(tenant, now) + _silent_stations(tenant, now)


def _lasting_faults(tenant: Tenant, now: datetime) -> int:
    since = now - timedelta(seconds=tenant.fault_grace_seconds)
    faulty = ((Outlet.status == ChargePointStatus.faulted)
              | (Outlet.error_code != ChargePointErrorCode.no_error))
    raised = 0
    for outlet, station in db.session.execute(
            select(Outlet, Station).join(Outlet.station)
            .where(Station.active, faulty, Outlet.status_at <= since)):
        cause = status_cause(station, outlet.connector_id, outlet.status, outlet.error_code,
                             info=outlet.info, vendor_error_code=outlet.vendor_error_code)
        if cause is not None:
            raised += raise_alarm(tenant.id, cause, node_of(station, outlet.connector_id),
                                  station=station, outlet=outlet, at=now)
    station_faulty = ((Station.status == ChargePointStatus.faulted)
                      | (Station.error_code != ChargePointErrorCode.no_error))
    for station in db.session.scalars(select(Station).where(
            Station.active, station_faulty, Station.status_at <= since)):
        cause = status_cause(station, 0, station.status, station.error_code,
                             info=station.status_info)
        if cause is not None:
            raised += raise_alarm(tenant.id, cause, node_of(station), station=station, at=now)
    return raised


def no_contact_after(tenant: Tenant, heartbeat_interval: int) -> timedelta:
    """How long a station may be silent before it is missed."""
    return max(NO_CONTACT_AT_LEAST,
               timedelta(seconds=tenant.no_contact_intervals * heartbeat_interval))


def _silent_stations(tenant: Tenant, now: datetime) -> int:
    missing = (select(Alarm.station_id).where(
        Alarm.kind == AlarmKind.NO_NETWORK_CONTACT, Alarm.cleared_at.is_(None))
        .scalar_subquery())
    changed = 0
    # Stations heard again without reconnecting (a message on a connection that came back).
    for station in db.session.scalars(select(Station).where(
            Station.id.in_(missing), Station.last_seen_at.is_not(None))):
        if now - station.last_seen_at < no_contact_after(tenant, station.heartbeat_period):
            changed += clear((AlarmKind.NO_NETWORK_CONTACT,), node_of(station),
                             station=station, reason="The station was heard again.", at=now)
    for station in db.session.scalars(select(Station).where(
            Station.active, Station.id.not_in(missing),
            Station.last_seen_at <= now - NO_CONTACT_AT_LEAST)):
        silent = no_contact_after(tenant, station.heartbeat_period)
        if now - station.last_seen_at >= silent:
            changed += raise_alarm(tenant.id, Cause(
                AlarmKind.NO_NETWORK_CONTACT, AlarmKind.NO_NETWORK_CONTACT.severity,
                f"Nothing heard from {station.charge_box_id} since "
                f"{station.last_seen_at:%Y-%m-%d %H:%M} UTC (more than "
                f"{_minutes(silent)})."), node_of(station), station=station, at=now)
    return changed


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes} minutes" if minutes < 120 else f"{minutes // 60} hours"


def _number_of_connectors(station: Station) -> int | None:
    value = db.session.scalar(select(StationConfigurationKey.value).where(
        StationConfigurationKey.station_id == station.id,
        StationConfigurationKey.key == "NumberOfConnectors"))
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _open(kinds: AlarmKind | tuple[AlarmKind, ...], node: str) -> Any:
    kinds = (kinds,) if isinstance(kinds, AlarmKind) else kinds
    return and_(Alarm.kind.in_(kinds), Alarm.node == node, Alarm.cleared_at.is_(None))


def visible(actor: Actor, query: Select[Any]) -> Select[Any]:
    """Limit a query over alarms to those the actor may see: a site administrator's are
    those of their site's stations; company staff also see alarms of no station (an
    unregistered chargeBoxId)."""
    return visible_stations(actor, query.outerjoin(Station, Alarm.station_id == Station.id))


def _log(station: Station | None, outlet: Outlet | None, kind: str, message: str,
         alarm_kind: AlarmKind, at: datetime) -> None:
    if station is not None:
        events.record(station, kind, message, outlet=outlet, occurred_at=at,
                      details={"alarm": alarm_kind.value})
