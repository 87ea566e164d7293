"""The main menu: one row per entry, shown to the roles that have its capability."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_login import current_user

from portal.auth.permissions import Capability, can


@dataclass(frozen=True)
class MenuEntry:
    label: str
    capability: Capability
    endpoint: str | None  # None: the page arrives with a later release; shown disabled
    # Other blueprints whose pages this entry stands for (it is shown active on them).
    also: tuple[str, ...] = ()

    def is_active(self, section: str | None) -> bool:
        return self.endpoint is not None and section is not None and (
            section == self.endpoint.split(".")[0] or section in self.also)


C = Capability
MENU = (
    MenuEntry("Dashboard", C.VIEW_DASHBOARD, "dashboard.show"),
    MenuEntry("Stations", C.VIEW_STATIONS, "stations.index"),
    MenuEntry("Connections", C.REGISTER_STATIONS, "connections.attempts"),
    MenuEntry("Sessions", C.VIEW_ALL_SESSIONS, None),
    MenuEntry("Tags", C.MANAGE_TAGS, "tags.index"),
    MenuEntry("Users", C.MANAGE_USERS, None),
    MenuEntry("Alarms", C.MANAGE_ALARMS, None),
    # Configuration, firmware images and charging profiles are in the operations' own menu.
    MenuEntry("Operations", C.OPERATE_STATIONS, "operations.index",
              also=("configuration", "firmware", "charging_profiles")),
    MenuEntry("Reservations", C.OPERATE_STATIONS, "reservations.index"),
    MenuEntry("Statistics", C.VIEW_ALL_SESSIONS, None),
    MenuEntry("Services", C.MANAGE_SERVICES, None),
    MenuEntry("API tokens", C.MANAGE_API_TOKENS, "tokens.index"),
    MenuEntry("Settings", C.MANAGE_TENANT, None),
    MenuEntry("My sessions", C.VIEW_OWN_SESSIONS, "my.sessions"),
)


def menu() -> list[dict[str, object]]:
    if not current_user.is_authenticated:
        return []
    return [
        {
            "label": entry.label,
            "url": url_for(entry.endpoint) if entry.endpoint else None,
            "active": entry.is_active(_section()),
        }
        for entry in MENU
        if can(current_user, entry.capability)
    ]


def _section() -> str | None:
    """The blueprint of this page; a station's tabs all belong to Stations."""
    if request.path.startswith("/stations/"):
        return "stations"
    return request.endpoint.split(".")[0] if request.endpoint else None


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"menu": menu, "can": can, "Capability": Capability})
