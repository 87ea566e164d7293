"""The navigator's node: the part of the topology a page is about.

A node is written `system`, `site:<id>`, `floor:<id>`, `station:<id>` or `outlet:<id>`, and
travels in the URL (`?node=site:12`) so a scoped page can be bookmarked and shared. A node
the actor may not see (another company's, another site's, or none at all) is NotFound,
like any object out of reach.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from portal.auth.permissions import Actor, visible_stations
from portal.errors import NotFound
from portal.extensions import db
from portal.models import Floor, Outlet, Role, Site, Station

MAX_ID = 2**31 - 1  # what an id column holds; past it nothing can match


class NodeKind(enum.StrEnum):
    SYSTEM = "system"
    SITE = "site"
    FLOOR = "floor"
    STATION = "station"
    OUTLET = "outlet"


@dataclass(frozen=True)
class Node:
    kind: NodeKind
    id: int | None = None
    name: str = ""
    # The station an outlet node belongs to (None for other kinds).
    station_id: int | None = None

    @property
    def key(self) -> str:
        return self.kind.value if self.id is None else f"{self.kind.value}:{self.id}"

    @property
    def is_system(self) -> bool:
        return self.kind is NodeKind.SYSTEM

    def stations(self, query: Select[Any]) -> Select[Any]:
        """Limit a query that names Station to this node's stations."""
        match self.kind:
            case NodeKind.SITE:
                return query.where(Station.site_id == self.id)
            case NodeKind.FLOOR:
                return query.where(Station.floor_id == self.id)
            case NodeKind.STATION:
                return query.where(Station.id == self.id)
            case NodeKind.OUTLET:
                return query.where(Station.id == self.station_id)
        return query

    def outlets(self, query: Select[Any]) -> Select[Any]:
        """Limit a query that names Station and Outlet to this node's outlets."""
        query = self.stations(query)
        return query.where(Outlet.id == self.id) if self.kind is NodeKind.OUTLET else query


SYSTEM = Node(NodeKind.SYSTEM, name="All sites")


def parse(actor: Actor, raw: str | None) -> Node:
    """The node `raw` names, if the actor may see it; empty means the whole company."""
    if not raw or raw == NodeKind.SYSTEM.value:
        return SYSTEM
    kind_text, _, id_text = raw.partition(":")
    try:
        kind = NodeKind(kind_text)
        node_id = int(id_text) if id_text.isascii() and id_text.isdigit() else -1
    except ValueError:
        kind, node_id = NodeKind.SYSTEM, -1
    if kind is NodeKind.SYSTEM or not 0 < node_id <= MAX_ID:
        raise NotFound(f"No node {raw[:50]!r}.", field="node")
    node = _find(actor, kind, node_id)
    if node is None:
        raise NotFound(f"No node {raw[:50]!r}.", field="node")
    return node


def _find(actor: Actor, kind: NodeKind, node_id: int) -> Node | None:
    # A site administrator reaches their own site only (none if it was taken away).
    limited = actor.role is Role.SITE_ADMIN
    site_id = getattr(actor, "site_id", None)
    if kind is NodeKind.SITE:
        site = db.session.get(Site, node_id)
        if site is None or (limited and site.id != site_id):
            return None
        return Node(kind, site.id, site.name)
    if kind is NodeKind.FLOOR:
        floor = db.session.get(Floor, node_id)
        if floor is None or (limited and floor.site_id != site_id):
            return None
        return Node(kind, floor.id, floor.name)
    if kind is NodeKind.STATION:
        station = db.session.scalar(visible_stations(actor, select(Station)
                                                     .where(Station.id == node_id)))
        return None if station is None else Node(kind, station.id, station.display_name)
    row = db.session.execute(visible_stations(actor, select(Outlet, Station).join(Outlet.station)
                                              .where(Outlet.id == node_id))).first()
    if row is None:
        return None
    outlet, station = row
    return Node(kind, outlet.id, f"{station.display_name} / {outlet.connector_id}",
                station_id=station.id)
