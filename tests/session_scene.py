"""Charging sessions of every kind for the sessions table and its exports: on two sites and
a floor, with and without a tag owner, open with meter values, closed for review, a meter
that reset. Company A's time zone is Europe/Amsterdam (UTC+1 in March)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuthMethod, ChargingSession, MeterValue, Role, Station, Tag, User
from portal.services import charging_sessions, session_review, sites, stations, tags
from tests.factories import Company
from tests.scene import company_scope, station

ZONE = "Europe/Amsterdam"
T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam


@dataclass(frozen=True)
class Scene:
    """Transaction ids by name: S1..S5 below, P0 the session every test company has."""

    ids: dict[str, int]
    site2_id: int

    def __getitem__(self, name: str) -> int:
        return self.ids[name]

    def names(self, transaction_ids: list[int]) -> list[str]:
        by_id = {number: name for name, number in self.ids.items()}
        return [by_id[number] for number in transaction_ids]


def add_session(station_: Station, connector_id: int, started: datetime, minutes: int | None,
                meter_start: int, meter_stop: int | None, *, id_tag: str = "VISITOR",
                tag: Tag | None = None, method: AuthMethod = AuthMethod.RFID,
                reason: str | None = "Local", needs_review: bool = False) -> ChargingSession:
    """A session as the OCPP handlers leave it: its accounted energy set when it stopped."""
    session = ChargingSession(
        tenant_id=station_.tenant_id, station=station_,
        outlet=next(o for o in station_.outlets if o.connector_id == connector_id),
        id_tag=tag.id_tag if tag else id_tag, tag=tag,
        user_id=tag.owner_id if tag else None, auth_method=method, started_at=started,
        received_at=started + timedelta(seconds=2),
        stopped_at=None if minutes is None else started + timedelta(minutes=minutes),
        meter_start=meter_start, meter_stop=meter_stop,
        stop_reason=reason if minutes is not None else None, needs_review=needs_review)
    charging_sessions.number(session)
    if minutes is not None:
        session_review.detect(session)
    return session


def build(app: Flask, company: Company) -> Scene:
    with company_scope(app, company) as tenant:
        tenant.time_zone = ZONE
        site1 = sites.find_or_create(tenant, "Site one")
        site2 = sites.find_or_create(tenant, "Site two")
        upstairs = stations.add(tenant, "CP-FLOOR", site=site1,
                                floor=sites.add_floor(site1, "Level 2"), connectors=1,
                                name="Upstairs charger")
        one, two = station(company.station_site1), station(company.station_site2)
        owner = db.session.scalar(select(User).where(User.email == company.email(Role.EV_USER)))
        driver = db.session.scalar(select(Tag).where(Tag.id_tag == company.driver_tag))
        assert driver is not None and driver.owner_id == owner.id
        visitor = tags.add(tenant, "VISITOR")
        sessions = {
            "S1": add_session(one, 1, T0, 30, 0, 3000, tag=driver, reason="EVDisconnected"),
            "S2": add_session(one, 2, T0 + timedelta(days=1), 120, 10000, 25555, tag=visitor,
                              method=AuthMethod.REMOTE, reason="Remote"),
            "S3": add_session(two, 1, T0 + timedelta(days=2), None, 500, None, id_tag="OPEN",
                              method=AuthMethod.OPEN),
            "S4": add_session(upstairs, 1, T0 + timedelta(days=3), 600, 100, 100, tag=visitor,
                              reason=None, needs_review=True),
            "S5": add_session(two, 2, T0 + timedelta(days=4), 45, 9000, 100, tag=visitor,
                              reason="PowerLoss"),
        }
        open_session = sessions["S3"]
        for minutes, value, unit in ((10, "1500", "Wh"), (20, "2.25", "kWh")):
            db.session.add(MeterValue(
                station_id=two.id, outlet_id=open_session.outlet_id,
                charging_session_id=open_session.id,
                sampled_at=open_session.started_at + timedelta(minutes=minutes), value=value,
                numeric_value=value, unit=unit))
        db.session.flush()
        first = db.session.scalar(select(ChargingSession.transaction_id)
                                  .where(ChargingSession.id_tag == company.driver_tag,
                                         ChargingSession.started_at != T0))
        ids = {name: session.transaction_id for name, session in sessions.items()}
        return Scene(ids={"P0": first, **ids}, site2_id=site2.id)
