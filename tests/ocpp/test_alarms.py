"""The alarm engine, driven by real station traffic over a WebSocket: each kind is raised
and cleared again; flapping raises nothing; time-based alarms come from the clock's job,
run here at chosen times."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from websockets.exceptions import InvalidStatus

from portal.extensions import db
from portal.models import Alarm, AlarmKind, AlarmSeverity, Event, Station, Tenant, User
from portal.models.base import utcnow
from portal.services import alarms, stations
from portal.timestamps import format_timestamp
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.station_client import Station as StationClient
from tests.scene import table_rows

GRACE = timedelta(seconds=120)  # the company's default


def open_alarms(company: OcppCompany) -> list[tuple[AlarmKind, AlarmSeverity, str]]:
    return company.query(lambda: [(alarm.kind, alarm.severity, alarm.node) for alarm in
                                  db.session.scalars(select(Alarm).where(
                                      Alarm.cleared_at.is_(None)).order_by(Alarm.id))])


def descriptions(company: OcppCompany) -> list[str]:
    return company.query(lambda: list(db.session.scalars(
        select(Alarm.description).order_by(Alarm.id))))


def detect(company: OcppCompany, at: datetime) -> int:
    """The clock's job for this company, as if it ran at `at`."""
    handled: list[int] = []
    company.change(lambda tenant: handled.append(alarms.detect(at)))
    return handled[0]


def status(station: StationClient, connector_id: int, state: str, error_code: str = "NoError",
           at: datetime | None = None, **extra: str) -> None:
    payload = {"connectorId": connector_id, "status": state, "errorCode": error_code, **extra}
    if at is not None:
        payload["timestamp"] = format_timestamp(at)
    assert station.result("StatusNotification", payload) == {}


@pytest.mark.parametrize(("error_code", "kind"), [
    ("PowerSwitchFailure", AlarmKind.HARDWARE_FAILURE),
    ("OverCurrentFailure", AlarmKind.FUSE),
    ("GroundFailure", AlarmKind.FUSE),
    ("HighTemperature", AlarmKind.TEMPERATURE),
    ("OverVoltage", AlarmKind.VOLTAGE),
    ("UnderVoltage", AlarmKind.VOLTAGE),
])
def test_a_lasting_fault_raises_its_kind_once_and_clears_on_no_error(
        company: OcppCompany, cp1: StationClient, error_code: str, kind: AlarmKind) -> None:
    faulted_at = utcnow()
    for _ in range(2):  # reported again: the same cause, the same time since
        status(cp1, 2, "Faulted", error_code, at=faulted_at)
    assert detect(company, faulted_at + GRACE - timedelta(seconds=1)) == 0
    assert open_alarms(company) == []
    assert detect(company, faulted_at + GRACE) == 1
    assert detect(company, faulted_at + GRACE * 3) == 0  # raised once while it lasts
    assert open_alarms(company) == [(kind, AlarmSeverity.CRITICAL, "CP1/2")]

    status(cp1, 2, "Available")
    assert open_alarms(company) == []
    logged = company.query(lambda: list(db.session.scalars(
        select(Event.kind).where(Event.kind.like("alarm_%")).order_by(Event.id))))
    assert logged == ["alarm_raised", "alarm_cleared"]


def test_an_error_code_without_faulted_is_a_warning_with_the_stations_own_words(
        company: OcppCompany, cp1: StationClient) -> None:
    at = utcnow()
    status(cp1, 1, "Available", "ReaderFailure", at=at)
    status(cp1, 2, "Faulted", "OtherError", at=at, info="Fault 0x2F",
           vendorErrorCode="RegulatoryComplianceFailure")
    detect(company, at + GRACE)
    assert open_alarms(company) == [
        (AlarmKind.HARDWARE_FAILURE, AlarmSeverity.WARNING, "CP1/1"),
        (AlarmKind.HARDWARE_FAILURE, AlarmSeverity.CRITICAL, "CP1/2")]
    assert "RegulatoryComplianceFailure" in descriptions(company)[1]
    assert "Fault 0x2F" in descriptions(company)[1]

    # The same error code turning into Faulted makes the open warning critical.
    status(cp1, 1, "Faulted", "ReaderFailure", at=at + GRACE)
    detect(company, at + GRACE * 2)
    assert open_alarms(company)[0] == (AlarmKind.HARDWARE_FAILURE, AlarmSeverity.CRITICAL,
                                       "CP1/1")


def test_another_error_on_the_connector_clears_the_first_kind_and_raises_its_own(
        company: OcppCompany, cp1: StationClient) -> None:
    at = utcnow()
    status(cp1, 0, "Faulted", "HighTemperature", at=at)
    detect(company, at + GRACE)
    status(cp1, 0, "Faulted", "OverVoltage", at=at + GRACE)
    assert open_alarms(company) == []
    detect(company, at + GRACE * 2)
    assert open_alarms(company) == [(AlarmKind.VOLTAGE, AlarmSeverity.CRITICAL, "CP1")]


def test_a_connector_that_boots_faulted_and_recovers_within_the_grace_period_raises_nothing(
        company: OcppCompany, cp1: StationClient) -> None:
    at = utcnow()
    status(cp1, 1, "Faulted", "EVCommunicationError", at=at)
    status(cp1, 1, "Available", at=at + GRACE - timedelta(seconds=5))
    assert detect(company, at + GRACE * 5) == 0
    assert open_alarms(company) == []


def test_the_grace_period_is_the_companys_setting(company: OcppCompany,
                                                   cp1: StationClient) -> None:
    company.change(lambda tenant: setattr(tenant, "fault_grace_seconds", 600))
    at = utcnow()
    status(cp1, 1, "Faulted", "PowerMeterFailure", at=at)
    assert detect(company, at + GRACE) == 0
    assert detect(company, at + timedelta(seconds=600)) == 1


def test_an_inactive_station_raises_nothing_and_deactivating_clears_its_alarms(
        company: OcppCompany, cp1: StationClient) -> None:
    at = utcnow()
    status(cp1, 1, "Faulted", "PowerMeterFailure", at=at)
    detect(company, at + GRACE)
    assert len(open_alarms(company)) == 1

    def deactivate(tenant: Tenant) -> None:
        station = db.session.scalar(select(Station).where(Station.charge_box_id == "CP1"))
        details = stations.StationDetails(
            name="", description="", note="", availability=station.availability,
            registration_status=station.registration_status, heartbeat_interval=None,
            rated_power_kw="", active=False)
        stations.describe(station, details)

    company.change(deactivate)
    assert open_alarms(company) == []
    status(cp1, 2, "Faulted", "GroundFailure", at=at)
    assert cp1.result("FirmwareStatusNotification", {"status": "InstallationFailed"}) == {}
    assert detect(company, at + GRACE * 2) == 0
    assert detect(company, at + timedelta(days=1)) == 0  # nor for silence
    assert open_alarms(company) == []


def test_no_network_contact_after_three_heartbeat_intervals_and_not_for_a_quick_reconnect(
        company: OcppCompany) -> None:
    company.change(lambda tenant: setattr(tenant, "heartbeat_interval", 600))
    with company.station() as cp1:
        cp1.boot()
    last_seen = company.query(lambda: db.session.scalar(
        select(Station.last_seen_at).where(Station.charge_box_id == "CP1")))
    with company.station() as cp1:  # it came back at once: nothing to raise
        cp1.boot()
        assert detect(company, last_seen + timedelta(minutes=29)) == 0
    heard = company.query(lambda: db.session.scalar(
        select(Station.last_seen_at).where(Station.charge_box_id == "CP1")))
    # Disconnected cleanly, it is missed after 3 x 600 s all the same.
    assert detect(company, heard + timedelta(minutes=29)) == 0
    assert detect(company, heard + timedelta(minutes=30)) == 1
    assert detect(company, heard + timedelta(minutes=90)) == 0
    assert open_alarms(company) == [(AlarmKind.NO_NETWORK_CONTACT, AlarmSeverity.CRITICAL,
                                     "CP1")]
    with company.station() as cp1:
        cp1.boot()  # answered after the connection was recorded
        assert open_alarms(company) == []


def test_no_network_contact_waits_at_least_fifteen_minutes(company: OcppCompany) -> None:
    company.change(lambda tenant: setattr(tenant, "heartbeat_interval", 60))
    with company.station() as cp1:
        cp1.boot()
    heard = company.query(lambda: db.session.scalar(
        select(Station.last_seen_at).where(Station.charge_box_id == "CP1")))
    assert detect(company, heard + timedelta(minutes=14)) == 0
    assert detect(company, heard + timedelta(minutes=15)) == 1


def test_an_unknown_station_is_not_registered_until_staff_add_it(company: OcppCompany) -> None:
    with pytest.raises(InvalidStatus):  # refused at the handshake
        company.station("NEW-1", key=None)
    with pytest.raises(InvalidStatus):  # again: still one alarm
        company.station("NEW-1", key=None)
    assert open_alarms(company) == [(AlarmKind.NOT_REGISTERED, AlarmSeverity.WARNING, "NEW-1")]
    company.change(lambda tenant: stations.add(tenant, "NEW-1"))
    assert open_alarms(company) == []


def test_a_connector_the_station_reports_but_staff_did_not_configure_is_a_mismatch(
        company: OcppCompany, cp1: StationClient) -> None:
    status(cp1, 3, "Available")
    assert open_alarms(company) == [
        (AlarmKind.HARDWARE_CONFIGURATION_MISMATCH, AlarmSeverity.WARNING, "CP1")]
    assert "reported connector 3" in descriptions(company)[0]


@pytest.mark.parametrize(("action", "failed", "succeeded", "kind"), [
    ("FirmwareStatusNotification", "InstallationFailed", "Installed",
     AlarmKind.FIRMWARE_UPDATE_FAILED),
    ("FirmwareStatusNotification", "DownloadFailed", "Installed",
     AlarmKind.FIRMWARE_UPDATE_FAILED),
    ("DiagnosticsStatusNotification", "UploadFailed", "Uploaded",
     AlarmKind.DIAGNOSTICS_UPLOAD_FAILED),
])
def test_a_failed_firmware_update_or_upload_is_an_alarm_until_one_succeeds(
        company: OcppCompany, cp1: StationClient, action: str, failed: str, succeeded: str,
        kind: AlarmKind) -> None:
    assert cp1.result(action, {"status": failed}) == {}
    assert open_alarms(company) == [(kind, AlarmSeverity.WARNING, "CP1")]
    assert cp1.result(action, {"status": succeeded}) == {}
    assert open_alarms(company) == []


def test_a_critical_security_event_is_an_alarm_until_a_person_clears_it(
        company: OcppCompany, cp1: StationClient, portal) -> None:
    for event_type in ("StartupOfTheDevice", "TamperDetectionActivated"):
        assert cp1.result("SecurityEventNotification", {
            "type": event_type, "timestamp": format_timestamp(utcnow()),
            "techInfo": "lid opened"}) == {}
    assert open_alarms(company) == [(AlarmKind.SECURITY_EVENT, AlarmSeverity.CRITICAL, "CP1")]
    client = portal(company.slug)
    client.login(f"admin@{company.slug}.example")
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'id="count-active-alarms">1<' in html
    assert table_rows(html, "alarms-by-kind") == ["Security event | critical | 1"]

    def clear(tenant: Tenant) -> None:
        admin = db.session.scalar(select(User).where(User.email == f"admin@{tenant.slug}.example"))
        alarm_id = db.session.scalar(select(Alarm.id))
        alarms.clear_by_hand(admin, alarm_id)

    company.change(clear)
    assert open_alarms(company) == []
    cleared_by = company.query(lambda: db.session.scalar(select(Alarm)).cleared_by.email)
    assert cleared_by == f"admin@{company.slug}.example"


def test_an_alarm_open_for_a_node_is_raised_once_whoever_raises_it(company: OcppCompany) -> None:
    cause = alarms.Cause(AlarmKind.TEMPERATURE, AlarmSeverity.WARNING, "Hot.")
    opened: list[bool] = []
    for _ in range(2):  # two workers, each in its own transaction
        company.change(lambda tenant: opened.append(alarms.raise_alarm(tenant.id, cause, "CP1")))
    assert opened == [True, False]
    assert len(open_alarms(company)) == 1

