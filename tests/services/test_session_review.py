"""What a session counts and what cannot be right in its figures, decided when it ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import ChargingSession
from portal.models.base import utcnow
from portal.services import charging_sessions, stations
from portal.services.session_review import SessionAnomaly, energy_across_resets
from portal.timestamps import format_timestamp
from tests.factories import make_tenant
from tests.scene import company_scope, counted_queries

START = utcnow().replace(microsecond=0) - timedelta(hours=3)


@dataclass(frozen=True)
class Ended:
    energy_wh: int | None
    energy_from_samples: bool
    anomaly: str | None


def _register(at: datetime, value: str, unit: str = "Wh", **more: str) -> dict:
    sample = {"value": value, "unit": unit, "measurand": "Energy.Active.Import.Register", **more}
    return {"timestamp": format_timestamp(at), "sampledValue": [sample]}


def _sample(session: ChargingSession, meter_values: list[dict]) -> None:
    """Store a session's MeterValues as the OCPP endpoint does."""
    rows = charging_sessions.meter_value_rows(session.tenant_id, session.station_id,
                                              session.outlet_id, session.id, meter_values)
    if rows:
        db.session.execute(charging_sessions.INSERT_METER_VALUES, rows)


def _ended(app: Flask, *, meter_start: int = 10_000, meter_stop: int, minutes: float = 60,
           samples: tuple[dict, ...] = (), rated_power_w: int | None = None) -> Ended:
    """A session started at START on a station of its own company, its samples sent, then
    stopped `minutes` later with `meter_stop`."""
    with company_scope(app, make_tenant(app)) as tenant:
        station = stations.add(tenant, "CP1", connectors=1)
        station.rated_power_w = rated_power_w
        session, _ = charging_sessions.start(station, 1, "TAG", meter_start, START)
        _sample(session, list(samples))
        charging_sessions.stop(station, session.transaction_id, meter_stop,
                               START + timedelta(minutes=minutes))
        return Ended(session.energy_wh, session.energy_from_samples, session.anomaly)


def _at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def test_a_normal_session_counts_what_its_meter_advanced_and_has_no_anomaly(app: Flask) -> None:
    assert _ended(app, meter_stop=17_400, rated_power_w=11_000) == Ended(7_400, False, None)


def test_the_reset_rule_worked_example() -> None:
    # The meter rises 10 000 -> 12 000 -> 15 000, resets, counts 500 -> 2 000, stops at 3 000:
    # 2 000 + 3 000 before the reset, then 500 since it, + 1 500 + 1 000 = 8 000 Wh. What was
    # charged between the 15 000 reading and the reset is not known and not counted.
    assert energy_across_resets(10_000, [12_000, 15_000, 500, 2_000], 3_000) == 8_000
    # Two resets, the last between the last sample and the stop.
    assert energy_across_resets(100, [300, 50, 400], 20) == 200 + 50 + 350 + 20
    # Without a meter stop (closed by the portal), up to the last reading.
    assert energy_across_resets(100, [300, 50, 400], None) == 600


@pytest.mark.parametrize(("readings", "why"), [
    ([], "no samples"),
    ([400, 900], "the first sample already below the meter start: reset before any sample"),
])
def test_the_samples_cannot_tell_a_reset_meters_energy(readings: list[int], why: str) -> None:
    assert energy_across_resets(10_000, readings, 1_000) is None, why


def test_a_reset_meters_energy_comes_from_its_outlet_register_samples(app: Flask) -> None:
    ended = _ended(app, meter_stop=3_000, samples=(
        _register(_at(10), "12000"), _register(_at(20), "15", unit="kWh"),  # kWh too
        _register(_at(25), "99000", location="Inlet"),  # another meter: not this register
        _register(_at(25), "5000", phase="L1"),  # one phase, not the total
        _register(_at(30), "500"), _register(_at(40), "2000"),
    ))
    assert ended == Ended(8_000, True, SessionAnomaly.METER_RESET)  # the worked example


def test_a_reset_meter_without_samples_has_no_energy_and_stays_an_anomaly(app: Flask) -> None:
    assert _ended(app, meter_stop=3_000) == Ended(None, False, SessionAnomaly.METER_RESET)


def test_a_session_that_stopped_before_it_started_has_a_negative_duration(app: Flask) -> None:
    ended = _ended(app, meter_stop=12_000, minutes=-30)
    assert ended == Ended(2_000, False, SessionAnomaly.NEGATIVE_DURATION)


@pytest.mark.parametrize(("energy_wh", "minutes", "anomaly"), [
    (12_000, 60, SessionAnomaly.OVER_POWER),  # 11 kW for an hour is 11 kWh
    (11_500, 60, None),  # within 5 %: meters and clocks are not exact
    (1, 0, SessionAnomaly.OVER_POWER),  # any energy in no time
])
def test_more_energy_than_the_rated_power_allows_is_over_power(
    app: Flask, energy_wh: int, minutes: int, anomaly: SessionAnomaly | None,
) -> None:
    ended = _ended(app, meter_stop=10_000 + energy_wh, minutes=minutes, rated_power_w=11_000)
    assert ended.anomaly == anomaly


def test_a_station_of_unknown_rated_power_is_never_over_power(app: Flask) -> None:
    assert _ended(app, meter_stop=900_000, minutes=1).anomaly is None


@pytest.mark.parametrize(("minutes", "anomaly"), [(10, SessionAnomaly.NO_ENERGY), (0.5, None)])
def test_no_energy_for_more_than_a_minute_is_an_anomaly(app: Flask, minutes: float,
                                                      anomaly: SessionAnomaly | None) -> None:
    assert _ended(app, meter_stop=10_000, minutes=minutes) == Ended(0, False, anomaly)


def test_a_session_closed_by_the_portal_counts_the_energy_of_its_samples(app: Flask) -> None:
    with company_scope(app, make_tenant(app)) as tenant:
        station = stations.add(tenant, "CP1", connectors=1)
        stale, _ = charging_sessions.start(station, 1, "TAG", 1_000, START)
        _sample(stale, [_register(_at(10), "1800"), _register(_at(20), "2600")])
        # A new transaction on the outlet closes the one never stopped.
        charging_sessions.start(station, 1, "TAG", 2_700, _at(90))
        assert (stale.needs_review, stale.meter_stop) == (True, None)
        assert (stale.energy_wh, stale.energy_from_samples) == (1_600, True)


def test_a_normal_stop_reads_no_samples(app: Flask) -> None:
    with company_scope(app, make_tenant(app)) as tenant:
        station = stations.add(tenant, "CP1", connectors=1)
        session, _ = charging_sessions.start(station, 1, "TAG", 100, START)
        db.session.commit()
        with counted_queries(app) as statements:
            charging_sessions.stop(station, session.transaction_id, 900, _at(30))
            db.session.flush()
        assert not [sql for sql in statements if "FROM meter_value" in sql]
        assert db.session.get(ChargingSession, session.id).energy_wh == 800
