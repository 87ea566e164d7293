"""Smart charging on stations: install and clear charging profiles, read composite schedules.

The rules of SetChargingProfile and of a remote start with a TxProfile hold whoever sends
them (`checked_profile`, `checked_remote_start`), and what a station holds is recorded from
its answers (`record_installation`, `forget_cleared`): remote_operations runs them for the
portal's pages, the JSON API and the clock alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ocpp.v16.enums import (
    ChargingProfilePurposeType,
    ChargingProfileStatus,
    ChargingRateUnitType,
    ClearChargingProfileStatus,
    GetCompositeScheduleStatus,
)
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import selectinload

from portal.auth.permissions import visible_stations
from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.models import (
    ChargingProfile,
    ChargingSession,
    Command,
    CommandOutcome,
    InstalledChargingProfile,
    Outlet,
    Station,
    User,
)
from portal.services import charging_profiles, remote_operations
from portal.services.remote_operations import Sender
from portal.timestamps import parse_timestamp

Purpose = ChargingProfilePurposeType
Installed = InstalledChargingProfile


def install(stations: list[Station], connector_id: int, profile: ChargingProfile, *,
            sender: Sender) -> str:
    """Send the profile to the stations' connector (0: the whole station) at once; return
    the operation's id. A TxProfile goes to one station's running transaction."""
    if not stations:
        raise Invalid("Choose at least one station.", field="stations")
    if profile.purpose is Purpose.charge_point_max_profile and connector_id != 0:
        raise Invalid("A ChargePointMaxProfile limits the whole station: connector 0.",
                      field="connector_id")
    for station in stations:
        _check_connector(station, connector_id)
    transaction_id = None
    if profile.purpose is Purpose.tx_profile:
        transaction_id = _running_transaction(stations, connector_id)
    payload = {"connectorId": connector_id,
               "csChargingProfiles": charging_profiles.cs_charging_profile(profile,
                                                                           transaction_id)}
    return remote_operations.start(stations, "SetChargingProfile", payload, sender=sender)


def checked_profile(station: Station, payload: dict[str, Any], sender: Sender) -> dict[str, Any]:
    """A SetChargingProfile as it may be sent, whoever sends it (OCPP 1.6, 3.13.2): a
    ChargePointMaxProfile on connector 0, a TxProfile on a connector's transaction."""
    profile = payload["csChargingProfiles"]
    purpose, connector_id = Purpose(profile["chargingProfilePurpose"]), payload["connectorId"]
    if purpose is Purpose.charge_point_max_profile and connector_id != 0:
        raise Invalid("A ChargePointMaxProfile limits the whole station: connector 0.",
                      field="connector_id")
    if purpose is Purpose.tx_profile and (connector_id == 0 or "transactionId" not in profile):
        raise Invalid("A TxProfile is for one running transaction: give its connector and "
                      "its transactionId.", field="connector_id")
    return payload


def checked_remote_start(station: Station, payload: dict[str, Any],
                         sender: Sender) -> dict[str, Any]:
    """A RemoteStartTransaction as it may be sent, whoever sends it (OCPP 1.6, 5.11): its
    chargingProfile, if any, a TxProfile without a transactionId (the station links it)."""
    profile = payload.get("chargingProfile")
    if profile is None:
        return payload
    if profile["chargingProfilePurpose"] != Purpose.tx_profile.value:
        raise Invalid("A remote start takes a TxProfile; this profile is a "
                      f"{profile['chargingProfilePurpose']}.", field="charging_profile")
    if "transactionId" in profile:
        raise Invalid("A remote start's TxProfile has no transactionId: the station gives it "
                      "the transaction it starts.", field="charging_profile")
    return payload


def _running_transaction(stations: list[Station], connector_id: int) -> int:
    # OCPP 1.6, 3.13.2: a TxProfile applies to one transaction, on its connector.
    if len(stations) != 1 or connector_id == 0:
        raise Invalid("A TxProfile is for one running transaction: choose one station and "
                      "its connector.", field="connector_id")
    transaction_id = db.session.scalar(
        select(ChargingSession.transaction_id).join(Outlet, ChargingSession.outlet_id == Outlet.id)
        .where(ChargingSession.station_id == stations[0].id, Outlet.connector_id == connector_id,
               ChargingSession.stopped_at.is_(None))
        .order_by(ChargingSession.started_at.desc()).limit(1))
    if transaction_id is None:
        raise Invalid(f"No transaction is running on {stations[0].charge_box_id} connector "
                      f"{connector_id}.", field="connector_id")
    return transaction_id


def _check_connector(station: Station, connector_id: int) -> None:
    """Connector 0 is the whole station; any other must be one of its outlets."""
    if connector_id != 0 and connector_id not in {o.connector_id for o in station.outlets}:
        raise Invalid(f"{station.charge_box_id} has no connector {connector_id}.",
                      field="connector_id")


@dataclass(frozen=True)
class ClearCriteria:
    """Which profiles ClearChargingProfile removes: one by id, or all matching the rest."""

    charging_profile_id: int | None = None
    connector_id: int | None = None
    purpose: ChargingProfilePurposeType | None = None
    stack_level: int | None = None

    def as_ocpp(self) -> dict[str, Any]:
        payload = {"id": self.charging_profile_id, "connectorId": self.connector_id,
                   "chargingProfilePurpose": self.purpose.value if self.purpose else None,
                   "stackLevel": self.stack_level}
        return {key: value for key, value in payload.items() if value is not None}


def clear(station: Station, criteria: ClearCriteria, *, sender: Sender) -> Command:
    if criteria.connector_id is not None:
        _check_connector(station, criteria.connector_id)
    if criteria.stack_level is not None and criteria.stack_level < 0:
        raise Invalid("The stack level is 0 or more.", field="stack_level")
    return remote_operations.send(station, "ClearChargingProfile", criteria.as_ocpp(),
                                  sender=sender)


def request_composite_schedule(station: Station, connector_id: int, duration: int,
                               rate_unit: ChargingRateUnitType | None, *,
                               sender: Sender) -> Command:
    """GetCompositeSchedule: what the station will allow on a connector (0: its grid
    connection) for the next `duration` seconds."""
    _check_connector(station, connector_id)
    if duration <= 0:
        raise Invalid("The duration is a number of seconds above 0.", field="duration")
    payload: dict[str, Any] = {"connectorId": connector_id, "duration": duration}
    if rate_unit is not None:
        payload["chargingRateUnit"] = rate_unit.value
    return remote_operations.send(station, "GetCompositeSchedule", payload, sender=sender)


@dataclass(frozen=True)
class SchedulePeriod:
    start_at: datetime | None  # None when the station gave no schedule start
    start_period: int
    limit: float
    number_phases: int | None


@dataclass(frozen=True)
class CompositeSchedule:
    """A station's answer to GetCompositeSchedule, ready to show."""

    command: Command
    connector_id: int | None
    start_at: datetime | None
    duration: int | None
    rate_unit: str
    periods: list[SchedulePeriod]


def latest_composite_schedule(station: Station) -> CompositeSchedule | None:
    """The last schedule the station gave (Accepted), from the page or the API."""
    found = db.session.scalars(
        select(Command).where(Command.station_id == station.id,
                              Command.action == "GetCompositeSchedule",
                              Command.outcome == CommandOutcome.ANSWERED)
        .order_by(Command.answered_at.desc(), Command.id.desc()).limit(5))
    for command in found:
        response = command.response or {}
        if response.get("status") == GetCompositeScheduleStatus.accepted:
            return _composite(command, response)
    return None


def _composite(command: Command, response: dict[str, Any]) -> CompositeSchedule:
    schedule = response.get("chargingSchedule") or {}
    start = response.get("scheduleStart") or schedule.get("startSchedule")
    start_at = parse_timestamp(start) if start else None
    periods = [SchedulePeriod(start_at + timedelta(seconds=p["startPeriod"]) if start_at else None,
                              p["startPeriod"], p["limit"], p.get("numberPhases"))
               for p in schedule.get("chargingSchedulePeriod", [])]
    return CompositeSchedule(command, response.get("connectorId"), start_at,
                             schedule.get("duration"), schedule.get("chargingRateUnit", ""),
                             periods)


def installed_on(station: Station) -> list[Installed]:
    """The profiles the station holds, by connector; a TxProfile ends with its transaction."""
    return list(db.session.scalars(
        _still_held(select(Installed).where(Installed.station_id == station.id))
        .order_by(Installed.connector_id, Installed.purpose, Installed.stack_level)))


def installations_of(actor: User, profile: ChargingProfile) -> list[Installed]:
    """Where the profile is installed, on the stations the actor may see."""
    query = _still_held(select(Installed).where(Installed.profile_id == profile.id))
    return list(db.session.scalars(visible_stations(
        actor, query.join(Station, Installed.station_id == Station.id))
        .order_by(Station.charge_box_id, Installed.connector_id)))


def _still_held(query: Any) -> Any:
    ended = select(ChargingSession.id).where(
        ChargingSession.transaction_id == Installed.transaction_id,
        ChargingSession.stopped_at.is_not(None))
    return query.where(or_(Installed.transaction_id.is_(None), ~ended.exists()))


def record_installation(command: Command, sent: dict[str, Any]) -> None:
    """An accepted profile is held by the station, in place of those it replaces."""
    if not _accepted(command, ChargingProfileStatus.accepted):
        return
    connector_id = sent["connectorId"]
    given = sent["csChargingProfiles"]
    purpose = Purpose(given["chargingProfilePurpose"])
    # OCPP 1.6, 3.13.2: a profile with the same id, or the same stack level and purpose on
    # the same connector, replaces the one the station held.
    db.session.execute(delete(Installed).where(
        Installed.station_id == command.station_id,
        or_(Installed.charging_profile_id == given["chargingProfileId"],
            (Installed.connector_id == connector_id) & (Installed.purpose == purpose)
            & (Installed.stack_level == given["stackLevel"]))))
    profile_id = db.session.scalar(select(ChargingProfile.id).where(
        ChargingProfile.tenant_id == command.tenant_id,
        ChargingProfile.charging_profile_id == given["chargingProfileId"]))
    db.session.add(Installed(
        tenant_id=command.tenant_id, station_id=command.station_id, connector_id=connector_id,
        profile_id=profile_id, charging_profile_id=given["chargingProfileId"],
        stack_level=given["stackLevel"], purpose=purpose,
        transaction_id=given.get("transactionId"), command_id=command.id,
        installed_at=command.answered_at))


def forget_cleared(command: Command, sent: dict[str, Any]) -> None:
    """The profiles an accepted ClearChargingProfile names are no longer held."""
    if not _accepted(command, ClearChargingProfileStatus.accepted):
        return
    criteria = sent
    query = delete(Installed).where(Installed.station_id == command.station_id)
    if "id" in criteria:  # one profile by id; the other criteria do not apply then
        query = query.where(Installed.charging_profile_id == criteria["id"])
    else:
        if "connectorId" in criteria:
            query = query.where(Installed.connector_id == criteria["connectorId"])
        if "chargingProfilePurpose" in criteria:
            query = query.where(Installed.purpose == Purpose(criteria["chargingProfilePurpose"]))
        if "stackLevel" in criteria:
            query = query.where(Installed.stack_level == criteria["stackLevel"])
    db.session.execute(query)


def _accepted(command: Command, accepted: str) -> bool:
    return (command.outcome is CommandOutcome.ANSWERED
            and (command.response or {}).get("status") == accepted)


def chosen_stations(actor: User, charge_box_ids: list[str]) -> list[Station]:
    """The stations named, each one the actor may see; NotFound names the first that is not."""
    found = {station.charge_box_id: station for station in db.session.scalars(visible_stations(
        actor, select(Station).where(Station.charge_box_id.in_(charge_box_ids))
        .options(selectinload(Station.outlets))))}
    for charge_box_id in charge_box_ids:
        if charge_box_id not in found:
            raise NotFound(f"No station {charge_box_id}.", field="stations")
    return [found[charge_box_id] for charge_box_id in charge_box_ids]
