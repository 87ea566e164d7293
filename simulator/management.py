"""Answers to the optional profiles: local list, reservations, smart charging, firmware.

Enough for the portal's features to be tried by hand: the simulator keeps what it is sent
and reports plausible progress, but never downloads or uploads anything.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ocpp.routing import after, on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import (
    Action,
    CancelReservationStatus,
    ChargePointStatus,
    ChargingProfileStatus,
    ClearChargingProfileStatus,
    DiagnosticsStatus,
    FirmwareStatus,
    ReservationStatus,
    UpdateStatus,
    UpdateType,
)

if TYPE_CHECKING:
    from simulator.charge_point import SimulatedChargePoint

STEP_SECONDS = 2.0  # between the simulated stages of a firmware update or upload


class ManagementHandlers:
    @on(Action.get_local_list_version)
    def on_get_local_list_version(self: SimulatedChargePoint
                                  ) -> call_result.GetLocalListVersion:
        return call_result.GetLocalListVersion(list_version=self.station.local_list_version)

    @on(Action.send_local_list)
    def on_send_local_list(self: SimulatedChargePoint, list_version: int,
                           update_type: UpdateType,
                           local_authorization_list: list[dict] | None = None
                           ) -> call_result.SendLocalList:
        station = self.station
        if update_type == UpdateType.differential and list_version <= station.local_list_version:
            return call_result.SendLocalList(status=UpdateStatus.version_mismatch)
        if update_type == UpdateType.full:
            station.local_list.clear()
        for entry in local_authorization_list or []:
            if entry.get("id_tag_info"):
                station.local_list[entry["id_tag"]] = entry["id_tag_info"]
            else:
                station.local_list.pop(entry["id_tag"], None)
        station.local_list_version = list_version
        return call_result.SendLocalList(status=UpdateStatus.accepted)

    @on(Action.reserve_now)
    def on_reserve_now(self: SimulatedChargePoint, connector_id: int, reservation_id: int,
                       **_: Any) -> call_result.ReserveNow:
        connector = self.station.connector(connector_id)  # no reservations of connector 0
        if connector is None or not connector.operative:
            return call_result.ReserveNow(status=ReservationStatus.unavailable
                                          if connector else ReservationStatus.rejected)
        if connector.reservation_id not in (None, reservation_id) or connector.transaction:
            return call_result.ReserveNow(status=ReservationStatus.occupied)
        connector.reservation_id = reservation_id
        self.after_answer(lambda: self.set_status(connector_id, ChargePointStatus.reserved))
        return call_result.ReserveNow(status=ReservationStatus.accepted)

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self: SimulatedChargePoint,
                              reservation_id: int) -> call_result.CancelReservation:
        for connector in self.station.connectors:
            if connector.reservation_id == reservation_id:
                connector.reservation_id = None
                self.after_answer(lambda c=connector: self.set_status(
                    c.connector_id, ChargePointStatus.available))
                return call_result.CancelReservation(status=CancelReservationStatus.accepted)
        return call_result.CancelReservation(status=CancelReservationStatus.rejected)

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self: SimulatedChargePoint, connector_id: int,
                                cs_charging_profiles: dict) -> call_result.SetChargingProfile:
        if connector_id and self.station.connector(connector_id) is None:
            return call_result.SetChargingProfile(status=ChargingProfileStatus.rejected)
        profile_id = cs_charging_profiles["charging_profile_id"]
        self.station.charging_profiles[profile_id] = {**cs_charging_profiles,
                                                      "connector_id": connector_id}
        return call_result.SetChargingProfile(status=ChargingProfileStatus.accepted)

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self: SimulatedChargePoint, id: int | None = None,
                                  connector_id: int | None = None,
                                  **_: Any) -> call_result.ClearChargingProfile:
        profiles = self.station.charging_profiles
        matching = [key for key, profile in profiles.items()
                    if (id is None or key == id)
                    and (connector_id is None or profile["connector_id"] == connector_id)]
        for key in matching:
            del profiles[key]
        status = (ClearChargingProfileStatus.accepted if matching
                  else ClearChargingProfileStatus.unknown)
        return call_result.ClearChargingProfile(status=status)

    @on(Action.get_diagnostics)
    def on_get_diagnostics(self: SimulatedChargePoint, location: str,
                           **_: Any) -> call_result.GetDiagnostics:
        self.after_answer(self.pretend_diagnostics_upload)
        return call_result.GetDiagnostics(file_name=f"{self.id}-diagnostics.log")

    @on(Action.update_firmware)
    def on_update_firmware(self: SimulatedChargePoint, location: str, retrieve_date: str,
                           **_: Any) -> call_result.UpdateFirmware:
        self.after_answer(self.pretend_firmware_update)
        return call_result.UpdateFirmware()

    @after(Action.reserve_now)
    def after_reserve_now(self: SimulatedChargePoint, **_: Any) -> None:
        self.run_follow_ups()

    @after(Action.cancel_reservation)
    def after_cancel_reservation(self: SimulatedChargePoint, **_: Any) -> None:
        self.run_follow_ups()

    @after(Action.get_diagnostics)
    def after_get_diagnostics(self: SimulatedChargePoint, **_: Any) -> None:
        self.run_follow_ups()

    @after(Action.update_firmware)
    def after_update_firmware(self: SimulatedChargePoint, **_: Any) -> None:
        self.run_follow_ups()

    async def pretend_diagnostics_upload(self: SimulatedChargePoint) -> None:
        for status in (DiagnosticsStatus.uploading, DiagnosticsStatus.uploaded):
            await asyncio.sleep(STEP_SECONDS)
            await self.send(call.DiagnosticsStatusNotification(status=status))

    async def pretend_firmware_update(self: SimulatedChargePoint) -> None:
        for status in (FirmwareStatus.downloading, FirmwareStatus.downloaded,
                       FirmwareStatus.installing, FirmwareStatus.installed):
            await asyncio.sleep(STEP_SECONDS)
            await self.send(call.FirmwareStatusNotification(status=status))
