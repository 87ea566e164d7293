"""Charging profiles a company defines: their rules, and the OCPP csChargingProfiles they make.

Installing, clearing and composite schedules (what stations do with them) are in
`portal.services.smart_charging`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from ocpp.v16.enums import (
    ChargingProfileKindType,
    ChargingProfilePurposeType,
    ChargingRateUnitType,
    RecurrencyKind,
)
from sqlalchemy import func, or_, select

from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import ChargingProfile, InstalledChargingProfile, Tenant
from portal.timestamps import format_timestamp

Kind, Purpose = ChargingProfileKindType, ChargingProfilePurposeType
MAX_INTEGER = 2**31 - 1  # ids, levels and seconds are 32-bit integers in the database
MAX_RATE = Decimal(10**7)  # 10 MW, or as many amperes: beyond any station


@dataclass(frozen=True)
class Period:
    """One OCPP ChargingSchedulePeriod: from start_period seconds on, at most `limit`."""

    start_period: int
    limit: Decimal
    number_phases: int | None = None

    def as_ocpp(self) -> dict[str, Any]:
        period: dict[str, Any] = {"startPeriod": self.start_period, "limit": float(self.limit)}
        if self.number_phases is not None:
            period["numberPhases"] = self.number_phases
        return period


@dataclass(frozen=True)
class ProfileValues:
    """What a form (or any caller) gives to define a profile."""

    charging_profile_id: int
    stack_level: int
    purpose: ChargingProfilePurposeType
    kind: ChargingProfileKindType
    rate_unit: ChargingRateUnitType
    periods: list[Period]
    recurrency: RecurrencyKind | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    duration: int | None = None
    start_schedule: datetime | None = None
    min_charging_rate: Decimal | None = None
    description: str = ""
    note: str = ""


@dataclass(frozen=True)
class ProfileFilter:
    purpose: ChargingProfilePurposeType | None = None
    kind: ChargingProfileKindType | None = None
    rate_unit: ChargingRateUnitType | None = None
    text: str = ""


def get(charging_profile_id: int) -> ChargingProfile:
    """The company's profile with this OCPP chargingProfileId; NotFound otherwise."""
    profile = db.session.scalar(select(ChargingProfile).where(
        ChargingProfile.charging_profile_id == charging_profile_id))
    if profile is None:
        raise NotFound(f"No charging profile {charging_profile_id}.")
    return profile


def listed(filters: ProfileFilter) -> list[ChargingProfile]:
    query = select(ChargingProfile).order_by(ChargingProfile.charging_profile_id)
    for column, value in ((ChargingProfile.purpose, filters.purpose),
                          (ChargingProfile.kind, filters.kind),
                          (ChargingProfile.rate_unit, filters.rate_unit)):
        if value is not None:
            query = query.where(column == value)
    if filters.text:
        pattern = f"%{filters.text.lower()}%"
        query = query.where(or_(func.lower(ChargingProfile.description).like(pattern),
                                func.lower(ChargingProfile.note).like(pattern)))
    return list(db.session.scalars(query))


def create(tenant: Tenant, values: ProfileValues) -> ChargingProfile:
    check(values)
    _check_unique(values.charging_profile_id)
    profile = ChargingProfile(tenant_id=tenant.id)
    _assign(profile, values)
    db.session.add(profile)
    db.session.flush()
    return profile


def edit(profile: ChargingProfile, values: ProfileValues) -> None:
    """Change the definition; stations keep what they were given until it is installed again."""
    check(values)
    if values.charging_profile_id != profile.charging_profile_id:
        _check_unique(values.charging_profile_id)
    _assign(profile, values)
    db.session.flush()


def delete(profile: ChargingProfile) -> None:
    """Refused while a station holds the profile: clear it there first, or it stays unseen."""
    installed = db.session.scalar(select(func.count()).select_from(InstalledChargingProfile)
                                  .where(InstalledChargingProfile.profile_id == profile.id))
    if installed:
        raise Conflict(f"Charging profile {profile.charging_profile_id} is installed on "
                       f"{installed} station connector(s): clear it there first.")
    db.session.delete(profile)
    db.session.flush()


def check(values: ProfileValues) -> None:
    """Raise Invalid, naming the field, for a profile no station should be given."""
    if not 1 <= values.charging_profile_id <= MAX_INTEGER:
        raise Invalid("The profile id is a positive number.", field="charging_profile_id")
    if not 0 <= values.stack_level <= MAX_INTEGER:
        raise Invalid("The stack level is 0 or more.", field="stack_level")
    _check_schedule_start(values)
    if values.valid_from and values.valid_to and values.valid_to <= values.valid_from:
        raise Invalid("Valid to must be after valid from.", field="valid_to")
    if values.duration is not None and not 0 < values.duration <= MAX_INTEGER:
        raise Invalid("The duration is a number of seconds above 0.", field="duration")
    if values.min_charging_rate is not None and not _is_rate(values.min_charging_rate, zero=True):
        raise Invalid("The minimum rate is 0 or more, with at most one decimal.",
                      field="min_charging_rate")
    _check_periods(values.periods)


def _check_schedule_start(values: ProfileValues) -> None:
    # OCPP 1.6 ChargingProfile: Recurring needs its recurrencyKind, and Absolute and
    # Recurring schedules count their periods from startSchedule; Relative ones from the
    # start of the transaction, so they have neither.
    if values.kind is Kind.recurring and values.recurrency is None:
        raise Invalid("A recurring profile needs its recurrency (daily or weekly).",
                      field="recurrency")
    if values.kind is not Kind.recurring and values.recurrency is not None:
        raise Invalid("Only a recurring profile has a recurrency.", field="recurrency")
    if values.kind is Kind.relative and values.start_schedule is not None:
        raise Invalid("A relative profile starts with the transaction: leave the schedule "
                      "start empty.", field="start_schedule")
    if values.kind is not Kind.relative and values.start_schedule is None:
        raise Invalid("Absolute and recurring profiles need their schedule start.",
                      field="start_schedule")


def _check_periods(periods: list[Period]) -> None:
    if not periods:
        raise Invalid("A profile has at least one period.", field="periods")
    if periods[0].start_period != 0:
        raise Invalid("The first period starts at 0 seconds.", field="periods")
    for number, (before, period) in enumerate(zip([None, *periods], periods, strict=False), 1):
        if not 0 <= period.start_period <= MAX_INTEGER or (
                before and period.start_period <= before.start_period):
            raise Invalid(f"Period {number}: start times are 0 or more and increase from one "
                          f"period to the next.", field="periods")
        if not _is_rate(period.limit, zero=False):
            raise Invalid(f"Period {number}: the limit is above 0, with at most one decimal.",
                          field="periods")
        if period.number_phases is not None and not 1 <= period.number_phases <= 3:
            raise Invalid(f"Period {number}: the number of phases is 1, 2 or 3.",
                          field="periods")


def _is_rate(value: Decimal, *, zero: bool) -> bool:
    # OCPP 1.6 gives limits as decimals with at most one digit after the point.
    return value.is_finite() and (value >= 0 if zero else value > 0) and value < MAX_RATE and (
        value == value.quantize(Decimal("0.1")))


def _check_unique(charging_profile_id: int) -> None:
    if db.session.scalar(select(ChargingProfile.id).where(
            ChargingProfile.charging_profile_id == charging_profile_id)):
        raise Conflict(f"Charging profile {charging_profile_id} already exists.",
                       field="charging_profile_id")


def _assign(profile: ChargingProfile, values: ProfileValues) -> None:
    for name in (f.name for f in fields(ProfileValues)):
        if name != "periods":
            setattr(profile, name, getattr(values, name))
    profile.periods = [period.as_ocpp() for period in values.periods]


def values_of(profile: ChargingProfile) -> ProfileValues:
    """The stored profile as values (to fill the edit form)."""
    return ProfileValues(
        **{f.name: getattr(profile, f.name) for f in fields(ProfileValues) if f.name != "periods"},
        periods=[Period(p["startPeriod"], Decimal(str(p["limit"])), p.get("numberPhases"))
                 for p in profile.periods])


def cs_charging_profile(profile: ChargingProfile,
                        transaction_id: int | None = None) -> dict[str, Any]:
    """The OCPP ChargingProfile (csChargingProfiles of SetChargingProfile) of a profile."""
    schedule: dict[str, Any] = {"chargingRateUnit": profile.rate_unit.value,
                                "chargingSchedulePeriod": profile.periods}
    optional_schedule = {"duration": profile.duration,
                         "startSchedule": _timestamp(profile.start_schedule),
                         "minChargingRate": _number(profile.min_charging_rate)}
    schedule.update({key: value for key, value in optional_schedule.items() if value is not None})
    payload: dict[str, Any] = {
        "chargingProfileId": profile.charging_profile_id,
        "transactionId": transaction_id,
        "stackLevel": profile.stack_level,
        "chargingProfilePurpose": profile.purpose.value,
        "chargingProfileKind": profile.kind.value,
        "recurrencyKind": profile.recurrency.value if profile.recurrency else None,
        "validFrom": _timestamp(profile.valid_from),
        "validTo": _timestamp(profile.valid_to),
        "chargingSchedule": schedule,
    }
    return {key: value for key, value in payload.items() if value is not None}


def remote_start_profile(profile: ChargingProfile) -> dict[str, Any]:
    """The chargingProfile of a RemoteStartTransaction: a TxProfile, with no transactionId
    yet (OCPP 1.6, 5.11: the station links it to the transaction it starts)."""
    if not profile.can_remote_start:
        raise Invalid(f"A remote start takes a TxProfile; profile {profile.charging_profile_id} "
                      f"is a {profile.purpose.value}.", field="charging_profile_id")
    return cs_charging_profile(profile)


def remote_start_payload(id_tag: str, connector_id: int | None,
                         profile: ChargingProfile | None) -> dict[str, Any]:
    """A RemoteStartTransaction for the tag (no connector: the station chooses), with the
    profile as its TxProfile if one is given."""
    payload: dict[str, Any] = {"idTag": id_tag}
    if connector_id is not None:
        payload["connectorId"] = connector_id
    if profile is not None:
        payload["chargingProfile"] = remote_start_profile(profile)
    return payload


def _timestamp(moment: datetime | None) -> str | None:
    return format_timestamp(moment) if moment else None


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None
