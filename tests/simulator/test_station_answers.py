"""The simulated station answers the central system's CALLs, and acts on them."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import ChargePoint, call
from ocpp.v16.enums import AvailabilityType, MessageTrigger, ResetType

from tests.simulator.conftest import CentralSystem

STATION = "SIM-ANSWERS"


def test_station_answers_core_calls_and_acts_on_them(central_system: CentralSystem) -> None:
    answers: dict[str, Any] = {}

    async def operator(cs: ChargePoint) -> None:
        async def ask(name: str, payload: Any) -> None:
            answers[name] = await cs.call(payload, suppress=False)

        await ask("get", call.GetConfiguration(key=["HeartbeatInterval", "NoSuchKey"]))
        await ask("change", call.ChangeConfiguration(key="HeartbeatInterval", value="1"))
        await ask("read-only", call.ChangeConfiguration(key="NumberOfConnectors", value="9"))
        await ask("unknown", call.ChangeConfiguration(key="NoSuchKey", value="1"))
        await ask("trigger", call.TriggerMessage(
            requested_message=MessageTrigger.status_notification, connector_id=2))
        await ask("start", call.RemoteStartTransaction(id_tag="FLEET001", connector_id=2))
        await central_system.wait_for(STATION, "StartTransaction")
        transaction = central_system.answer_to(STATION, "StartTransaction")["transactionId"]
        await ask("stop", call.RemoteStopTransaction(transaction_id=transaction))
        await ask("stop-unknown", call.RemoteStopTransaction(transaction_id=transaction + 99))
        await ask("availability", call.ChangeAvailability(
            connector_id=1, type=AvailabilityType.inoperative))
        await ask("unlock", call.UnlockConnector(connector_id=1))
        await ask("cache", call.ClearCache())
        await ask("data", call.DataTransfer(vendor_id="Plugboard", data="ping"))
        await ask("data-other", call.DataTransfer(vendor_id="Elsewhere"))
        await ask("reset", call.Reset(type=ResetType.hard))

    central_system.scripts[STATION] = operator
    central_system.simulate(STATION, scenario="heartbeat", heartbeat_interval=100,
                            charging_time=60, duration=2)

    statuses = {name: getattr(answer, "status", None) for name, answer in answers.items()}
    assert statuses == {
        "get": None, "change": "Accepted", "read-only": "Rejected", "unknown": "NotSupported",
        "trigger": "Accepted", "start": "Accepted", "stop": "Accepted", "stop-unknown": "Rejected",
        "availability": "Accepted", "unlock": "Unlocked", "cache": "Accepted",
        "data": "Accepted", "data-other": "UnknownVendorId",
        "reset": "Rejected",  # only the live scenario reconnects, so only it can reset
    }
    assert answers["get"].configuration_key == [
        {"key": "HeartbeatInterval", "readonly": False, "value": "100"}]
    assert answers["get"].unknown_key == ["NoSuchKey"]
    assert answers["data"].data == "ping"

    calls = central_system.calls(STATION)
    start = next(payload for action, payload in calls if action == "StartTransaction")
    stop = next(payload for action, payload in calls if action == "StopTransaction")
    assert (start["connectorId"], start["idTag"]) == (2, "FLEET001")
    assert stop["reason"] == "Remote"
    def statuses_sent(connector_id: int) -> list[str]:
        return [payload["status"] for action, payload in calls
                if action == "StatusNotification" and payload["connectorId"] == connector_id]

    assert statuses_sent(2) == ["Available", "Preparing", "Charging", "Finishing", "Available"]
    assert statuses_sent(1) == ["Unavailable"]
    # HeartbeatInterval went from 100 s to 1 s while running.
    assert "Heartbeat" in central_system.actions(STATION)
