"""Sessions, status histories and connections for the Statistics page, in Europe/Amsterdam.

Sessions (on the company's Site one station, and CP-STATS of Site two) fall around the DST
change of 2026-03-29 (02:00 CET becomes 03:00 CEST), where UTC days and local days differ.
On 2026-03-10 (23:00 UTC on the 9th to 23:00 UTC on the 10th, 24 hours) CP-STATS has a
hand-made status history and a disconnect and a Faulted period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus

from portal.services import events, outlets, sites, stations
from tests.factories import Company
from tests.scene import company_scope, station
from tests.session_scene import add_session

ZONE = "Europe/Amsterdam"
STATS_STATION = "CP-STATS"


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# (station: "site1" or "stats", started (UTC), Wh); local times in the comments.
SESSIONS = [
    ("site1", utc(3, 28, 22, 30), 1000),   # 03-28 23:30 CET
    ("site1", utc(3, 29, 0, 30), 2000),    # 03-29 01:30 CET
    ("stats", utc(3, 29, 1, 30), 4000),    # 03-29 03:30 CEST
    ("stats", utc(3, 29, 21, 30), 8000),   # 03-29 23:30 CEST
    ("stats", utc(3, 29, 22, 30), 16000),  # 03-30 00:30 CEST
]
# Outlet 1 of CP-STATS on 2026-03-10: Available before, then 1 h in Preparing... see below.
OUTLET1 = [
    (utc(3, 9, 12), ChargePointStatus.available),
    (utc(3, 10, 0), ChargePointStatus.preparing),       # 1 h into the day
    (utc(3, 10, 0, 30), ChargePointStatus.charging),    # 6 h charging
    (utc(3, 10, 6, 30), ChargePointStatus.suspended_ev),
    (utc(3, 10, 7, 30), ChargePointStatus.finishing),
    (utc(3, 10, 8), ChargePointStatus.available),       # occupied 8 h in all
]
OUTLET2 = [(utc(3, 9, 22), ChargePointStatus.charging)]  # charging the whole day
STATION_WIDE = [
    (utc(3, 9, 20), "connected"),
    (utc(3, 10, 5), "disconnected"),                     # 2 h offline
    (utc(3, 10, 7), "connected"),
    (utc(3, 10, 11), ChargePointStatus.faulted),        # 3 h Faulted
    (utc(3, 10, 14), ChargePointStatus.available),
]


@dataclass(frozen=True)
class StatisticsScene:
    stats_station_id: int
    site2_id: int


def build(app: Flask, company: Company) -> StatisticsScene:
    with company_scope(app, company) as tenant:
        tenant.time_zone = ZONE
        site2 = sites.find_or_create(tenant, "Site two")
        stats = stations.add(tenant, STATS_STATION, site=site2, connectors=2)
        on = {"site1": station(company.station_site1), "stats": stats}
        for name, started, wh in SESSIONS:
            add_session(on[name], 1, started, 30, 0, wh)
        for connector_id, history in ((1, OUTLET1), (2, OUTLET2)):
            for at, status in history:
                outlets.report_status(stats, connector_id, status,
                                      ChargePointErrorCode.no_error, at)
        for at, change in STATION_WIDE:
            if isinstance(change, ChargePointStatus):
                outlets.report_status(stats, 0, change, ChargePointErrorCode.no_error, at)
            else:
                events.record(stats, change, occurred_at=at)
        return StatisticsScene(stats.id, site2.id)


def day_of_history() -> tuple[datetime, datetime]:
    return utc(3, 9, 23), utc(3, 10, 23)


HOUR = timedelta(hours=1)
