"""The frame of every page: the main menu, grouped in dropdowns, and the navigator panel.

Both keep the navigator's node (`?node=`): the menu's links carry it on, and choosing a node
in the tree keeps a scoped page (SCOPED_PAGES) or opens the stations list.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from portal.auth.permissions import Capability, can
from portal.services import lights
from portal.services.navigator import TreeNode, tree
from portal.services.scope import SYSTEM


@dataclass(frozen=True)
class MenuEntry:
    label: str
    capability: Capability
    endpoint: str
    # The dropdown the entry sits in; None: a link of its own in the bar.
    group: str | None = None
    # Other blueprints whose pages this entry stands for (it is shown active on them).
    also: tuple[str, ...] = ()


C = Capability
# One row per entry; a new page in a group is one more row naming that group.
MENU = (
    MenuEntry("Dashboard", C.VIEW_DASHBOARD, "dashboard.show"),
    MenuEntry("Stations", C.VIEW_STATIONS, "stations.index", "Stations"),
    MenuEntry("Connectors", C.VIEW_STATIONS, "stations.connectors", "Stations"),
    MenuEntry("Connections", C.REGISTER_STATIONS, "connections.attempts", "Stations"),
    MenuEntry("Topology", C.MANAGE_TOPOLOGY, "topology.index", "Stations"),
    MenuEntry("Message log", C.VIEW_STATIONS, "messages.index", "Stations"),
    MenuEntry("Event log", C.VIEW_STATIONS, "alarms.events", "Stations"),
    MenuEntry("Alarms", C.MANAGE_ALARMS, "alarms.active", "Alarms"),
    MenuEntry("Alarm history", C.MANAGE_ALARMS, "alarms.history", "Alarms"),
    # Configuration, firmware images and charging profiles are in the operations' own menu.
    MenuEntry("Operations", C.OPERATE_STATIONS, "operations.index", "Operations",
              also=("configuration", "firmware", "charging_profiles")),
    MenuEntry("Reservations", C.OPERATE_STATIONS, "reservations.index", "Operations"),
    MenuEntry("Sessions", C.VIEW_ALL_SESSIONS, "sessions.index", "Sessions"),
    MenuEntry("Review", C.VIEW_ALL_SESSIONS, "review.index", "Sessions"),
    MenuEntry("Statistics", C.VIEW_ALL_SESSIONS, "statistics.index", "Sessions"),
    MenuEntry("Users", C.VIEW_USERS, "users.index", "Company"),
    MenuEntry("Tags", C.MANAGE_TAGS, "tags.index", "Company"),
    MenuEntry("Services", C.MANAGE_SERVICES, "services.index", "Company"),
    MenuEntry("API tokens", C.MANAGE_API_TOKENS, "tokens.index", "Company"),
    MenuEntry("Settings", C.MANAGE_TENANT, "settings.company", "Company"),
    MenuEntry("Single sign-on", C.MANAGE_TENANT, "sso.settings", "Company"),
    MenuEntry("Audit log", C.VIEW_STATION_AUDIT_LOG, "audit.index", "Company"),
    MenuEntry("My sessions", C.VIEW_OWN_SESSIONS, "my.sessions"),
    MenuEntry("My cards", C.MANAGE_OWN_TAGS, "my.tags"),
)

# Pages that show what is under the chosen node: choosing another node keeps the page.
SCOPED_PAGES = frozenset({"stations.index", "stations.connectors", "dashboard.show",
                          "configuration.apply", "messages.index", "review.index",
                          "sessions.index", "statistics.index", "alarms.active",
                          "alarms.history", "alarms.events"})
# Pages without the navigator, though a staff member may open them.
UNNAVIGATED_BLUEPRINTS = frozenset({"public", "my"})


@dataclass(frozen=True)
class MenuLink:
    label: str
    url: str
    active: bool


@dataclass(frozen=True)
class MenuGroup:
    label: str
    links: list[MenuLink]

    @property
    def active(self) -> bool:
        return any(link.active for link in self.links)


def menu() -> list[MenuLink | MenuGroup]:
    """The bar's links and dropdowns that the user's role may open, in MENU's order."""
    if not current_user.is_authenticated:
        return []
    entries = [entry for entry in MENU if can(current_user, entry.capability)]
    active = _active_entry(entries)
    scope = {"node": request.args["node"]} if request.args.get("node") else {}
    bar: list[MenuLink | MenuGroup] = []
    groups: dict[str, MenuGroup] = {}
    for entry in entries:
        link = MenuLink(entry.label, url_for(entry.endpoint, **scope), entry is active)
        if entry.group is None:
            bar.append(link)
        elif entry.group in groups:
            groups[entry.group].links.append(link)
        else:
            groups[entry.group] = MenuGroup(entry.group, [link])
            bar.append(groups[entry.group])
    return bar


def _active_entry(entries: list[MenuEntry]) -> MenuEntry | None:
    """The entry of this page: its own, else the first of its section (blueprint)."""
    for entry in entries:
        if entry.endpoint == request.endpoint:
            return entry
    section = _section()
    return next((entry for entry in entries if section is not None and (
        section == entry.endpoint.split(".")[0] or section in entry.also)), None)


def _section() -> str | None:
    """The blueprint of this page; a station's tabs all belong to Stations."""
    if request.path.startswith("/stations/"):
        return "stations"
    return request.endpoint.split(".")[0] if request.endpoint else None


@dataclass(frozen=True)
class Navigator:
    """The tree as this user may see it, its colours, and where choosing a node leads."""

    root: TreeNode
    colours: dict[str, lights.Light]
    current: str  # the key of the chosen node ("system" when none is)
    path: list[TreeNode]  # from the root down to the chosen node (the breadcrumb)
    opened: frozenset[str]  # keys shown unfolded: the way to the chosen node
    link: str  # a node's link is this followed by its key
    precedence: str  # lights.PRECEDENCE, for the script that recolours sites and floors

    def tree_html(self) -> Markup:
        """The tree's items, drawn once on the server (static/js/navigator.js only filters
        them by data-search and recolours them by data-node and the light-* class). Outlets
        stay folded in their station's <details> unless the chosen node is on the way. In
        Python, not a recursive template macro: a company's 2,500 nodes took 80 ms there."""
        parts: list[str] = []
        self._draw(self.root, parts)
        return Markup("".join(parts))

    def _draw(self, node: TreeNode, parts: list[str]) -> None:
        key, kind = node.key, node.kind.value
        search = ("" if kind == "outlet"
                  else f' data-search="{escape((node.name + " " + node.search).lower())}"')
        parts.append(f'<li data-node="{escape(key)}" data-kind="{kind}"{search} '
                     f'class="light-{escape(self.colours[key].value)}">')
        if node.children:
            unfolded = kind != "station" or key in self.opened
            parts.append(f"<details{' open' if unfolded else ''}><summary>")
        current = ' aria-current="true"' if key == self.current else ""
        parts.append(f'<a class="node-label" href="{escape(self.link)}{escape(key)}"{current}>'
                     f"{escape(node.name)}</a>")
        if node.children:
            parts.append("</summary><ul>")
            for child in node.children:
                self._draw(child, parts)
            parts.append("</ul></details>")
        parts.append("</li>")


def navigator_panel() -> Navigator | None:
    """The navigator of this page; None for users who do not see stations, and on pages
    for the public or for EV users."""
    if (not current_user.is_authenticated or not can(current_user, Capability.VIEW_STATIONS)
            or request.blueprint in UNNAVIGATED_BLUEPRINTS):
        return None
    root = tree(current_user, g.tenant.name)
    # A scoped page has checked its node (portal.blueprints.scoping); elsewhere an unknown
    # ?node= only marks nothing in the tree.
    chosen = g.node.key if "node" in g else request.args.get("node", "")
    path = root.path_to(chosen) or [root]
    page = request.endpoint if request.endpoint in SCOPED_PAGES else "stations.index"
    return Navigator(
        root=root,
        colours=lights.of_tree(root, lights.of_node(current_user, SYSTEM)),
        current=path[-1].key, path=path, opened=frozenset(node.key for node in path),
        link=f"{url_for(page)}?node=",
        precedence=" ".join(light.value for light in lights.PRECEDENCE))


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"menu": menu, "navigator": navigator_panel, "can": can,
                                   "Capability": Capability})
