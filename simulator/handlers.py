"""What the simulated station answers to the central system's core and trigger CALLs.

A handler decides and answers at once. What it sets going (a session, a StatusNotification)
is queued with `after_answer` and started by the action's `@after` hook, once the answer
has gone out: the station's own CALLs must not overtake its answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpp.routing import after, on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import (
    Action,
    AvailabilityStatus,
    AvailabilityType,
    ChargePointStatus,
    ClearCacheStatus,
    ConfigurationKey,
    ConfigurationStatus,
    DataTransferStatus,
    DiagnosticsStatus,
    FirmwareStatus,
    MessageTrigger,
    Reason,
    RemoteStartStopStatus,
    ResetStatus,
    ResetType,
    TriggerMessageStatus,
    UnlockStatus,
)

from simulator.charging import charge
from simulator.station import VENDOR, Connector

if TYPE_CHECKING:
    from simulator.charge_point import SimulatedChargePoint

# Keys whose value is a number of seconds or a count.
NUMERIC_KEYS = frozenset({
    ConfigurationKey.heartbeat_interval, ConfigurationKey.meter_value_sample_interval,
    ConfigurationKey.clock_aligned_data_interval, ConfigurationKey.connection_time_out,
    ConfigurationKey.transaction_message_attempts,
    ConfigurationKey.transaction_message_retry_interval,
    ConfigurationKey.web_socket_ping_interval,
})


class CoreHandlers:
    @on(Action.reset)
    def on_reset(self: SimulatedChargePoint, type: ResetType) -> call_result.Reset:
        if not self.rebootable:
            return call_result.Reset(status=ResetStatus.rejected)
        reason = Reason.hard_reset if type == ResetType.hard else Reason.soft_reset
        self.after_answer(lambda: self.reboot(reason))
        return call_result.Reset(status=ResetStatus.accepted)

    @on(Action.remote_start_transaction)
    def on_remote_start_transaction(self: SimulatedChargePoint, id_tag: str,
                                    connector_id: int | None = None,
                                    **_: Any) -> call_result.RemoteStartTransaction:
        connector = (self.station.connector(connector_id) if connector_id
                     else self.station.first_free())
        if connector is None or not connector.free:
            return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.rejected)
        connector.status = ChargePointStatus.preparing  # claimed before the session starts
        authorize = self.station.configuration.values[
            ConfigurationKey.authorize_remote_tx_requests] == "true"
        self.after_answer(lambda: self.remote_session(connector, id_tag, authorize))
        return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.accepted)

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self: SimulatedChargePoint, transaction_id: int
                                   ) -> call_result.RemoteStopTransaction:
        connector = self.station.by_transaction(transaction_id)
        if connector is None:
            return call_result.RemoteStopTransaction(status=RemoteStartStopStatus.rejected)
        connector.request_stop(Reason.remote)
        return call_result.RemoteStopTransaction(status=RemoteStartStopStatus.accepted)

    @on(Action.change_availability)
    def on_change_availability(self: SimulatedChargePoint, connector_id: int,
                               type: AvailabilityType) -> call_result.ChangeAvailability:
        targets = (self.station.connectors if connector_id == 0
                   else [c for c in [self.station.connector(connector_id)] if c])
        if not targets:
            return call_result.ChangeAvailability(status=AvailabilityStatus.rejected)
        operative = type == AvailabilityType.operative
        busy = [connector for connector in targets if connector.transaction]
        for connector in targets:
            connector.operative = operative
        self.after_answer(lambda: self.report_availability(connector_id, targets))
        # A connector in a transaction changes when the transaction ends (§5.2).
        status = AvailabilityStatus.scheduled if busy else AvailabilityStatus.accepted
        return call_result.ChangeAvailability(status=status)

    @on(Action.get_configuration)
    def on_get_configuration(self: SimulatedChargePoint,
                             key: list[str] | None = None) -> call_result.GetConfiguration:
        configuration = self.station.configuration
        wanted = key or list(configuration.values)
        known = [{"key": name, "readonly": name in configuration.read_only,
                  "value": configuration.values[name]}
                 for name in wanted if name in configuration.values]
        unknown = [name for name in wanted if name not in configuration.values]
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    @on(Action.change_configuration)
    def on_change_configuration(self: SimulatedChargePoint, key: str,
                                value: str) -> call_result.ChangeConfiguration:
        configuration = self.station.configuration
        if key not in configuration.values:
            return call_result.ChangeConfiguration(status=ConfigurationStatus.not_supported)
        if key in configuration.read_only or (key in NUMERIC_KEYS and not value.isdigit()):
            return call_result.ChangeConfiguration(status=ConfigurationStatus.rejected)
        configuration.values[key] = value
        return call_result.ChangeConfiguration(status=ConfigurationStatus.accepted)

    @on(Action.trigger_message)
    def on_trigger_message(self: SimulatedChargePoint, requested_message: MessageTrigger,
                           connector_id: int | None = None) -> call_result.TriggerMessage:
        if connector_id and self.station.connector(connector_id) is None:
            return call_result.TriggerMessage(status=TriggerMessageStatus.rejected)
        self.after_answer(lambda: self.send_triggered(requested_message, connector_id))
        return call_result.TriggerMessage(status=TriggerMessageStatus.accepted)

    @on(Action.unlock_connector)
    def on_unlock_connector(self: SimulatedChargePoint,
                            connector_id: int) -> call_result.UnlockConnector:
        connector = self.station.connector(connector_id)
        if connector is None:
            return call_result.UnlockConnector(status=UnlockStatus.not_supported)
        if connector.transaction:  # §5.18: a transaction on the connector is stopped first
            connector.request_stop(Reason.unlock_command)
        return call_result.UnlockConnector(status=UnlockStatus.unlocked)

    @on(Action.clear_cache)
    def on_clear_cache(self: SimulatedChargePoint) -> call_result.ClearCache:
        return call_result.ClearCache(status=ClearCacheStatus.accepted)

    @on(Action.data_transfer)
    def on_data_transfer(self: SimulatedChargePoint, vendor_id: str, message_id: str = "",
                         data: str | None = None) -> call_result.DataTransfer:
        if vendor_id != VENDOR:
            return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)
        return call_result.DataTransfer(status=DataTransferStatus.accepted, data=data)

    @after(Action.reset)
    def after_reset(self: SimulatedChargePoint, **_: Any) -> None:
        self.run_follow_ups()

    @after(Action.remote_start_transaction)
    def after_remote_start_transaction(self: SimulatedChargePoint, **_: Any) -> None:
        self.run_follow_ups()

    @after(Action.change_availability)
    def after_change_availability(self: SimulatedChargePoint, **_: Any) -> None:
        self.run_follow_ups()

    @after(Action.trigger_message)
    def after_trigger_message(self: SimulatedChargePoint, **_: Any) -> None:
        self.run_follow_ups()

    async def remote_session(self: SimulatedChargePoint, connector: Connector, id_tag: str,
                             authorize: bool) -> None:
        charged = await charge(self, connector, id_tag, seconds=self.options.charging_seconds(),
                               authorize=authorize)
        if not charged and connector.status is ChargePointStatus.preparing:  # Authorize refused
            await self.set_status(connector.connector_id, ChargePointStatus.available)

    async def report_availability(self: SimulatedChargePoint, connector_id: int,
                                  connectors: list[Connector]) -> None:
        for connector in connectors:
            if not connector.transaction:
                status = (ChargePointStatus.available if connector.operative
                          else ChargePointStatus.unavailable)
                await self.set_status(connector.connector_id, status)
        if connector_id == 0:
            await self.set_status(0, ChargePointStatus.available if connectors[0].operative
                                  else ChargePointStatus.unavailable)

    async def send_triggered(self: SimulatedChargePoint, message: MessageTrigger,
                             connector_id: int | None) -> None:
        connectors = ([self.station.connector(connector_id)] if connector_id
                      else self.station.connectors)
        if message == MessageTrigger.boot_notification:
            await self.boot()
        elif message == MessageTrigger.heartbeat:
            await self.heartbeat()
        elif message == MessageTrigger.status_notification:
            for number in [connector_id] if connector_id else [0, *range(1, len(connectors) + 1)]:
                await self.set_status(number)
        elif message == MessageTrigger.meter_values:
            for connector in connectors:
                await self.meter_values(connector)
        elif message == MessageTrigger.diagnostics_status_notification:
            await self.send(call.DiagnosticsStatusNotification(status=DiagnosticsStatus.idle))
        elif message == MessageTrigger.firmware_status_notification:
            await self.send(call.FirmwareStatusNotification(status=FirmwareStatus.idle))
