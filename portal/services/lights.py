"""The colour each station and outlet shows in the navigator and on floor maps.

As operators know them from other portals: default text when online and available,
blue while charging, red on an error (Faulted, or an open critical alarm), grey and faded
when offline (as a station missing for long stays, critical alarm or not). One rule here;
pages and the live endpoint only read it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from ocpp.v16.enums import ChargePointStatus
from sqlalchemy import select

from portal.auth.permissions import Actor, visible_stations
from portal.extensions import db
from portal.models import Alarm, AlarmSeverity, Outlet, Station
from portal.services.navigator import TreeNode
from portal.services.scope import Node, NodeKind

# Statuses of a connector with a vehicle drawing (or about to draw) energy in a session.
_CHARGING = frozenset({ChargePointStatus.charging, ChargePointStatus.suspended_ev,
                       ChargePointStatus.suspended_evse})


class Light(enum.StrEnum):
    AVAILABLE = "available"
    CHARGING = "charging"
    ERROR = "error"
    OFFLINE = "offline"

    @classmethod
    def of_group(cls, lights: Iterable[Light]) -> Light:
        """A station, floor or site: red if any part is, else blue if any charges, else
        available if any is online; offline when all are (or it has nothing)."""
        seen = set(lights)
        return next((light for light in PRECEDENCE if light in seen), cls.OFFLINE)


# What a group shows when its parts differ, strongest first (Light.of_group). The
# navigator's script reads this order from the page to recolour sites and floors live.
PRECEDENCE = (Light.ERROR, Light.CHARGING, Light.AVAILABLE, Light.OFFLINE)


def light_of(online: bool, status: ChargePointStatus | None, alarmed: bool) -> Light:
    """The colour of one station (connectorId 0) or outlet."""
    if not online:
        return Light.OFFLINE
    if alarmed or status is ChargePointStatus.faulted:
        return Light.ERROR
    if status in _CHARGING:
        return Light.CHARGING
    return Light.AVAILABLE


@dataclass(frozen=True)
class Lights:
    stations: dict[int, Light]
    outlets: dict[int, Light]


def of_node(actor: Actor, node: Node) -> Lights:
    """Every station and outlet under the node that the actor may see, with its colour."""
    station_rows = db.session.execute(node.stations(visible_stations(actor, select(
        Station.id, Station.connected_at.is_not(None), Station.status)))).all()
    outlet_rows = db.session.execute(node.outlets(visible_stations(actor, select(
        Outlet.id, Outlet.station_id, Outlet.status).join(Outlet.station)))).all()
    alarmed_stations, alarmed_outlets = _critical_alarms()
    online = {station_id: is_online for station_id, is_online, _ in station_rows}
    outlets = {
        outlet_id: light_of(online.get(station_id, False), status, outlet_id in alarmed_outlets)
        for outlet_id, station_id, status in outlet_rows
    }
    by_station: dict[int, list[Light]] = {}
    for outlet_id, station_id, _ in outlet_rows:
        by_station.setdefault(station_id, []).append(outlets[outlet_id])
    stations = {}
    for station_id, is_online, status in station_rows:
        own = light_of(is_online, status, station_id in alarmed_stations)
        stations[station_id] = own if own is Light.OFFLINE else Light.of_group(
            [own, *by_station.get(station_id, [])])
    return Lights(stations, outlets)


def _critical_alarms() -> tuple[set[int], set[int]]:
    """Stations with an open critical alarm of their own (no outlet), and outlets with one."""
    rows = db.session.execute(select(Alarm.station_id, Alarm.outlet_id).where(
        Alarm.cleared_at.is_(None), Alarm.severity == AlarmSeverity.CRITICAL,
        Alarm.station_id.is_not(None)))
    stations: set[int] = set()
    outlets: set[int] = set()
    for station_id, outlet_id in rows:
        if outlet_id:
            outlets.add(outlet_id)
        else:
            stations.add(station_id)
    return stations, outlets


def of_tree(root: TreeNode, found: Lights) -> dict[str, Light]:
    """The colour of every node of a navigator tree, by key: stations and outlets as
    `found` says (offline when it does not name them), the others as their group."""
    colours: dict[str, Light] = {}

    def colour(node: TreeNode) -> Light:
        if node.kind is NodeKind.STATION:
            for outlet in node.children:
                colour(outlet)
            light = found.stations.get(node.id, Light.OFFLINE)  # type: ignore[arg-type]
        elif node.kind is NodeKind.OUTLET:
            light = found.outlets.get(node.id, Light.OFFLINE)  # type: ignore[arg-type]
        else:
            light = Light.of_group([colour(child) for child in node.children])
        colours[node.key] = light
        return light

    colour(root)
    return colours
