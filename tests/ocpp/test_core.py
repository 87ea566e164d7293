"""The Core profile as a station drives it, named after the OCTT cases where one exists."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import ChargingSession, Event, MeterValue, Outlet, Station
from portal.models.base import utcnow
from portal.services import stations
from portal.timestamps import format_timestamp, parse_timestamp
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.station_client import Station as StationClient


def _status(station: StationClient, connector: int, status: str,
            error_code: str = "NoError") -> None:
    assert station.result("StatusNotification", {"connectorId": connector, "status": status,
                                                  "errorCode": error_code}) == {}


def _start(station: StationClient, id_tag: str, *, connector: int = 1, meter: int = 1000,
           at: str | None = None) -> dict:
    return station.result("StartTransaction", {
        "connectorId": connector, "idTag": id_tag, "meterStart": meter,
        "timestamp": at or format_timestamp(utcnow())})


def _stop(station: StationClient, transaction_id: int, meter: int, **extra: object) -> dict:
    return station.result("StopTransaction", {
        "transactionId": transaction_id, "meterStop": meter,
        "timestamp": format_timestamp(utcnow()), **extra})


def _session(company: OcppCompany, transaction_id: int) -> ChargingSession:
    def read() -> ChargingSession:
        session = db.session.scalar(select(ChargingSession).where(
            ChargingSession.transaction_id == transaction_id))
        db.session.expunge(session)
        return session

    return company.query(read)


def _outlet_statuses(company: OcppCompany) -> dict[int, str]:
    return company.query(lambda: {
        outlet.connector_id: outlet.status.value if outlet.status else None
        for outlet in db.session.scalars(select(Outlet).join(Outlet.station).where(
            Station.charge_box_id == "CP1"))
    })


def test_tc_001_cold_boot_charge_point(company: OcppCompany) -> None:
    with company.station() as station:
        answer = station.result("BootNotification", {
            "chargePointVendor": "Alfen", "chargePointModel": "Eve Single",
            "chargePointSerialNumber": "SN-1", "chargeBoxSerialNumber": "BOX-1",
            "firmwareVersion": "6.1.0", "iccid": "8931", "imsi": "2041",
            "meterType": "MID", "meterSerialNumber": "M-7"})
        assert answer["status"] == "Accepted" and answer["interval"] == 300
        assert abs(parse_timestamp(answer["currentTime"]) - utcnow()) < timedelta(seconds=5)
        for connector in (0, 1, 2):
            _status(station, connector, "Available")
        heartbeat = station.result("Heartbeat")
        assert abs(parse_timestamp(heartbeat["currentTime"]) - utcnow()) < timedelta(seconds=5)
    booted = company.query(lambda: db.session.scalar(select(Station).where(
        Station.charge_box_id == "CP1")))
    assert (booted.vendor, booted.model, booted.firmware_version, booted.iccid, booted.imsi,
            booted.meter_serial_number) == ("Alfen", "Eve Single", "6.1.0", "8931", "2041", "M-7")
    assert booted.last_heartbeat_at is not None and booted.status.value == "Available"
    assert _outlet_statuses(company) == {1: "Available", 2: "Available"}


def test_tc_003_regular_charging_session_plugin_first(company: OcppCompany, cp1) -> None:
    _status(cp1, 1, "Preparing")
    assert cp1.result("Authorize", {"idTag": "VALID"}) == {"idTagInfo": {"status": "Accepted"}}
    started = _start(cp1, "VALID", meter=1000)
    assert started["idTagInfo"] == {"status": "Accepted"}
    _status(cp1, 1, "Charging")
    cp1.result("MeterValues", {"connectorId": 1, "transactionId": started["transactionId"],
                               "meterValue": [{"timestamp": format_timestamp(utcnow()),
                                               "sampledValue": [{"value": "1500"}]}]})
    assert _stop(cp1, started["transactionId"], 4200, idTag="VALID") == {
        "idTagInfo": {"status": "Accepted"}}
    _status(cp1, 1, "Finishing")
    _status(cp1, 1, "Available")
    session = _session(company, started["transactionId"])
    assert (session.meter_start, session.meter_stop, session.energy_wh) == (1000, 4200, 3200)
    assert session.stop_reason == "Local" and session.authorization_status == "Accepted"


def test_tc_004_1_regular_charging_session_identification_first(company, cp1) -> None:
    assert cp1.result("Authorize", {"idTag": "VALID"})["idTagInfo"]["status"] == "Accepted"
    _status(cp1, 1, "Preparing")
    started = _start(cp1, "VALID")
    _status(cp1, 1, "Charging")
    _stop(cp1, started["transactionId"], 2000, idTag="VALID")
    _status(cp1, 1, "Finishing")
    assert _session(company, started["transactionId"]).stopped_at is not None


def test_tc_004_2_identification_first_connection_timeout(company, cp1) -> None:
    assert cp1.result("Authorize", {"idTag": "VALID"})["idTagInfo"]["status"] == "Accepted"
    _status(cp1, 1, "Preparing")
    _status(cp1, 1, "Available")  # the driver never plugged in
    assert company.query(lambda: db.session.scalar(
        select(ChargingSession.id).join(ChargingSession.station).where(
            Station.charge_box_id == "CP1"))) is None
    assert _outlet_statuses(company)[1] == "Available"


def test_tc_005_1_ev_side_disconnected(company, cp1) -> None:
    started = _start(cp1, "VALID")
    _status(cp1, 1, "Charging")
    _status(cp1, 1, "Finishing")
    _stop(cp1, started["transactionId"], 3000, reason="EVDisconnected")
    _status(cp1, 1, "Available")
    assert _session(company, started["transactionId"]).stop_reason == "EVDisconnected"


def test_tc_007_regular_start_charging_session_cached_id(company, cp1) -> None:
    _status(cp1, 1, "Preparing")
    started = _start(cp1, "VALID")  # no Authorize: the station knew the tag
    assert started["idTagInfo"]["status"] == "Accepted"
    _status(cp1, 1, "Charging")
    _stop(cp1, started["transactionId"], 1500)
    assert _session(company, started["transactionId"]).meter_stop == 1500


def test_tc_023_1_start_charging_session_authorize_invalid(cp1) -> None:
    assert cp1.result("Authorize", {"idTag": "NOBODY"}) == {"idTagInfo": {"status": "Invalid"}}


def test_tc_023_2_start_charging_session_authorize_expired(cp1) -> None:
    info = cp1.result("Authorize", {"idTag": "EXPIRED"})["idTagInfo"]
    assert info["status"] == "Expired" and "expiryDate" in info


def test_tc_023_3_start_charging_session_authorize_blocked(cp1) -> None:
    assert cp1.result("Authorize", {"idTag": "BLOCKED"})["idTagInfo"]["status"] == "Blocked"
    assert cp1.result("Authorize", {"idTag": "ZERO"})["idTagInfo"]["status"] == "Blocked"


def test_authorize_returns_expiry_parent_and_concurrent_tx(cp1) -> None:
    soon = cp1.result("Authorize", {"idTag": "SOON"})["idTagInfo"]
    assert soon["status"] == "Accepted" and soon["expiryDate"].endswith("Z")
    assert cp1.result("Authorize", {"idTag": "FLEET-CAR"})["idTagInfo"] == {
        "status": "Accepted", "parentIdTag": "FLEET"}
    assert cp1.result("Authorize", {"idTag": "valid"})["idTagInfo"]["status"] == "Accepted"
    _start(cp1, "ONCE")
    assert cp1.result("Authorize", {"idTag": "ONCE"})["idTagInfo"]["status"] == "ConcurrentTx"
    second = _start(cp1, "ONCE", connector=2)
    assert second["idTagInfo"]["status"] == "ConcurrentTx"


def test_child_of_a_blocked_parent_is_blocked(company, cp1) -> None:
    def block_parent(tenant) -> None:
        from portal.services import tags

        tags.find("FLEET").blocked = True

    company.change(block_parent)
    assert cp1.result("Authorize", {"idTag": "FLEET-CAR"})["idTagInfo"] == {
        "status": "Blocked", "parentIdTag": "FLEET"}


def test_refused_tag_still_gets_a_transaction_recorded_as_not_authorized(company, cp1) -> None:
    started = _start(cp1, "BLOCKED")
    assert started["idTagInfo"]["status"] == "Blocked" and started["transactionId"] > 0
    assert _session(company, started["transactionId"]).authorization_status == "Blocked"


def test_tc_024_start_charging_session_lock_failure(company, cp1) -> None:
    assert cp1.result("Authorize", {"idTag": "VALID"})["idTagInfo"]["status"] == "Accepted"
    _status(cp1, 1, "Faulted", "ConnectorLockFailure")
    outlet = company.query(lambda: db.session.scalar(select(Outlet).where(
        Outlet.connector_id == 1)))
    assert (outlet.status.value, outlet.error_code.value) == ("Faulted", "ConnectorLockFailure")
    kinds = company.query(lambda: list(db.session.scalars(select(Event.kind))))
    assert "status" in kinds


def test_tc_032_1_power_failure_boot_stop_transactions(company, cp1) -> None:
    started = _start(cp1, "VALID", meter=500)
    _status(cp1, 1, "Charging")
    cp1.close()
    with company.station() as rebooted:  # power came back
        assert rebooted.boot()["status"] == "Accepted"
        _status(rebooted, 1, "Finishing")
        _stop(rebooted, started["transactionId"], 900, reason="PowerLoss")
        _status(rebooted, 1, "Available")
    session = _session(company, started["transactionId"])
    assert (session.stop_reason, session.meter_stop, session.needs_review) == (
        "PowerLoss", 900, False)


def test_tc_037_1_offline_start_transaction_valid_id_tag(company, cp1) -> None:
    offline_start = format_timestamp(utcnow() - timedelta(minutes=30))
    _status(cp1, 1, "Charging")
    started = _start(cp1, "VALID", at=offline_start)
    assert started["idTagInfo"]["status"] == "Accepted"
    session = _session(company, started["transactionId"])
    assert format_timestamp(session.started_at) == offline_start


def test_tc_037_3_offline_start_transaction_invalid_id_tag(company, cp1) -> None:
    started = _start(cp1, "NOBODY", at=format_timestamp(utcnow() - timedelta(minutes=10)))
    assert started["idTagInfo"]["status"] == "Invalid"
    _stop(cp1, started["transactionId"], 1100, reason="DeAuthorized")
    _status(cp1, 1, "Finishing")
    session = _session(company, started["transactionId"])
    assert (session.authorization_status, session.stop_reason) == ("Invalid", "DeAuthorized")


def test_tc_039_offline_transaction(company, cp1) -> None:
    began = utcnow() - timedelta(hours=2)
    started = _start(cp1, "VALID", meter=100, at=format_timestamp(began))
    cp1.result("MeterValues", {"connectorId": 1, "transactionId": started["transactionId"],
                               "meterValue": [{"timestamp": format_timestamp(
                                   began + timedelta(minutes=m)),
                                   "sampledValue": [{"value": str(100 + m * 10)}]}
                                   for m in (10, 20)]})
    assert cp1.result("StopTransaction", {
        "transactionId": started["transactionId"], "meterStop": 700,
        "timestamp": format_timestamp(began + timedelta(hours=1)), "reason": "Local",
        "transactionData": [{"timestamp": format_timestamp(began + timedelta(hours=1)),
                             "sampledValue": [{"value": "700", "context": "Transaction.End"}]}],
    }) == {}
    session = _session(company, started["transactionId"])
    assert session.stopped_at - session.started_at == timedelta(hours=1)
    values = company.query(lambda: [(v.value, v.context) for v in db.session.scalars(
        select(MeterValue).where(MeterValue.charging_session_id == session.id)
        .order_by(MeterValue.sampled_at))])
    assert values == [("200", "Sample.Periodic"), ("300", "Sample.Periodic"),
                      ("700", "Transaction.End")]


def test_meter_values_keep_every_field_and_signed_values_as_given(company, cp1) -> None:
    started = _start(cp1, "VALID")
    cp1.result("MeterValues", {"connectorId": 1, "transactionId": started["transactionId"],
                               "meterValue": [{"timestamp": format_timestamp(utcnow()),
                                               "sampledValue": [
        {"value": "7.4", "measurand": "Power.Active.Import", "unit": "kW", "phase": "L1",
         "context": "Sample.Periodic", "location": "Outlet", "format": "Raw"},
        {"value": "AP;0;3;ALCV3ABBBISHMA2RYEGAZE3HV5YQBQRQAEHAI7LKAOBCAAKAIBQ",
         "format": "SignedData", "measurand": "Energy.Active.Import.Register"},
    ]}]})
    rows = company.query(lambda: [
        (v.value, v.numeric_value, v.measurand, v.unit, v.phase, v.location, v.format)
        for v in db.session.scalars(select(MeterValue).order_by(MeterValue.id))])
    assert rows[0][:2] == ("7.4", rows[0][1]) and float(rows[0][1]) == 7.4
    assert rows[0][2:] == ("Power.Active.Import", "kW", "L1", "Outlet", "Raw")
    assert rows[1][0].startswith("AP;0;3;") and rows[1][1] is None and rows[1][6] == "SignedData"


def test_tc_064_data_transfer_to_a_central_system(company, cp1) -> None:
    assert cp1.result("DataTransfer", {"vendorId": "com.example", "data": "x"}) == {
        "status": "UnknownVendorId"}

    def know_vendor(tenant) -> None:
        tenant.data_transfer_vendor_ids = "com.example, org.other"

    company.change(know_vendor)
    assert cp1.result("DataTransfer", {"vendorId": "com.example", "messageId": "m",
                                       "data": "x"}) == {"status": "Accepted"}


def test_firmware_diagnostics_and_security_notifications_are_stored(company, cp1) -> None:
    assert cp1.result("FirmwareStatusNotification", {"status": "Downloading"}) == {}
    assert cp1.result("DiagnosticsStatusNotification", {"status": "Uploaded"}) == {}
    assert cp1.result("SecurityEventNotification", {
        "type": "FirmwareUpdated", "timestamp": format_timestamp(utcnow())}) == {}
    assert cp1.result("SignedFirmwareStatusNotification", {"status": "Installed",
                                                          "requestId": 4}) == {}
    assert cp1.result("LogStatusNotification", {"status": "Uploading", "requestId": 5}) == {}
    assert cp1.result("SignCertificate", {"csr": "-----BEGIN CSR-----"}) == {
        "status": "Rejected"}
    station = company.query(lambda: stations.find("CP1"))
    assert (station.firmware_status, station.diagnostics_status) == ("Installed", "Uploaded")
    kinds = company.query(lambda: set(db.session.scalars(select(Event.kind))))
    assert {"security_event", "log_status", "firmware_status", "diagnostics_status"} <= kinds
