"""The navigator's tree: system -> site -> floor -> station -> outlet, as the actor may see it.

Built from four flat queries (sites, floors, stations, outlets), whatever the size of the
company. Stations on no floor hang under their site; stations on no site under the system
(a site administrator sees their own site only, so never these).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from portal.auth.permissions import Actor, visible_stations
from portal.extensions import db
from portal.models import Floor, Outlet, Role, Site, Station
from portal.services.scope import NodeKind


@dataclass
class TreeNode:
    kind: NodeKind
    id: int | None
    name: str
    # What else a search matches: a station's chargeBoxId.
    search: str = ""
    children: list[TreeNode] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.kind.value if self.id is None else f"{self.kind.value}:{self.id}"

    def walk(self) -> list[TreeNode]:
        """This node and every node under it, depth first."""
        return [self, *(node for child in self.children for node in child.walk())]

    def path_to(self, key: str) -> list[TreeNode]:
        """The nodes from this one down to the one with `key` (a breadcrumb); empty if none."""
        if self.key == key:
            return [self]
        for child in self.children:
            if path := child.path_to(key):
                return [self, *path]
        return []


def tree(actor: Actor, company_name: str) -> TreeNode:
    sites_query = select(Site.id, Site.name).order_by(Site.name)
    floors_query = select(Floor.id, Floor.site_id, Floor.name).order_by(Floor.name)
    if actor.role is Role.SITE_ADMIN:  # their site; none at all if it was taken away
        sites_query = sites_query.where(Site.id == actor.site_id)  # type: ignore[union-attr]
        floors_query = floors_query.where(Floor.site_id == actor.site_id)  # type: ignore[union-attr]
    root = TreeNode(NodeKind.SYSTEM, None, company_name)
    sites = {row.id: TreeNode(NodeKind.SITE, row.id, row.name)
             for row in db.session.execute(sites_query)}
    root.children.extend(sites.values())
    floors: dict[int, TreeNode] = {}
    for row in db.session.execute(floors_query):
        floors[row.id] = TreeNode(NodeKind.FLOOR, row.id, row.name)
        sites[row.site_id].children.append(floors[row.id])
    stations: dict[int, TreeNode] = {}
    station_rows = db.session.execute(visible_stations(actor, select(
        Station.id, Station.site_id, Station.floor_id, Station.name, Station.charge_box_id)
        .order_by(Station.charge_box_id)))
    for row in station_rows:
        node = stations[row.id] = TreeNode(NodeKind.STATION, row.id,
                                           row.name or row.charge_box_id, row.charge_box_id)
        parent = floors.get(row.floor_id) or sites.get(row.site_id) or root
        parent.children.append(node)
    outlet_rows = db.session.execute(visible_stations(actor, select(
        Outlet.id, Outlet.station_id, Outlet.connector_id).join(Outlet.station)
        .order_by(Outlet.station_id, Outlet.connector_id)))
    for row in outlet_rows:
        stations[row.station_id].children.append(
            TreeNode(NodeKind.OUTLET, row.id, f"Outlet {row.connector_id}"))
    return root
