"""The simulator's scenarios against a real central system over a loopback socket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import groupby

from ocpp.v16 import ChargePoint, call
from ocpp.v16.enums import ResetType

from tests.simulator.conftest import CentralSystem


def collapsed(actions: list[str]) -> list[str]:
    """The actions with repeated MeterValues counted once: their number depends on timing."""
    return [action for action, _ in groupby(actions)]


def test_session_scenario_sends_a_whole_charging_session(central_system: CentralSystem) -> None:
    central_system.simulate("SIM-SESSION", connectors=2, charging_time=0.5, meter_interval=0.2)

    calls = central_system.calls("SIM-SESSION")
    assert collapsed([action for action, _ in calls]) == [
        "BootNotification", "StatusNotification", "Authorize", "StatusNotification",
        "StartTransaction", "StatusNotification", "MeterValues", "StopTransaction",
        "StatusNotification",
    ]
    statuses = [(p["connectorId"], p["status"]) for a, p in calls if a == "StatusNotification"]
    assert statuses == [(0, "Available"), (1, "Available"), (2, "Available"), (1, "Preparing"),
                        (1, "Charging"), (1, "Finishing"), (1, "Available")]
    payloads = dict(calls)
    assert payloads["Authorize"] == {"idTag": "DRIVER001"}
    transaction_id = central_system.answer_to("SIM-SESSION", "StartTransaction")["transactionId"]
    sampled = payloads["MeterValues"]["meterValue"][0]["sampledValue"]
    assert payloads["MeterValues"]["transactionId"] == transaction_id
    assert [(value["measurand"], value["unit"]) for value in sampled] == [
        ("Energy.Active.Import.Register", "Wh"), ("Power.Active.Import", "W")]
    stop = payloads["StopTransaction"]
    assert stop["transactionId"] == transaction_id
    assert stop["meterStop"] >= payloads["StartTransaction"]["meterStart"]
    assert [data["sampledValue"][0]["context"] for data in stop["transactionData"]] == [
        "Transaction.Begin", "Transaction.End"]


def test_offline_replay_sends_the_queued_session_in_order_with_its_old_times(
        central_system: CentralSystem) -> None:
    central_system.simulate("SIM-OFFLINE", connectors=1, scenario="offline-replay")

    calls = central_system.calls("SIM-OFFLINE")
    assert [action for action, _ in calls] == [
        "BootNotification", "StartTransaction", *["MeterValues"] * 4, "StopTransaction",
        "StatusNotification", "StatusNotification"]
    times = [payload.get("timestamp") or payload["meterValue"][0]["timestamp"]
             for action, payload in calls[1:7]]
    parsed = [datetime.fromisoformat(time.replace("Z", "+00:00")) for time in times]
    assert parsed == sorted(parsed)
    assert parsed[-1] < datetime.now(UTC) - timedelta(minutes=59)


def test_live_station_reconnects_after_losing_the_connection_and_reboots_on_reset(
        central_system: CentralSystem) -> None:
    async def drop_the_connection(cs: ChargePoint) -> None:
        central_system.scripts["SIM-LIVE"] = reset
        await cs._connection.connection.close()

    async def reset(cs: ChargePoint) -> None:
        await cs.call(call.Reset(type=ResetType.soft))

    central_system.scripts["SIM-LIVE"] = drop_the_connection
    # Long enough for both reconnections on a busy machine; scripts run once, so no more boots.
    central_system.simulate("SIM-LIVE", scenario="live", pause=60, duration=8)

    assert central_system.actions("SIM-LIVE").count("BootNotification") == 3
    # One Reset was sent and the third boot is the reboot it caused. (Its CALLRESULT is
    # not asserted: the reboot sometimes closes the socket before the answer is read.)
    resets = [frame for frame in central_system.frames if frame.charge_box_id == "SIM-LIVE"
              and not frame.sent_by_station and frame.message[:1] == [2]
              and frame.message[2] == "Reset"]
    assert len(resets) == 1
