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


C = Capability
MENU = (
    MenuEntry("Dashboard", C.VIEW_DASHBOARD, "dashboard.show"),
    MenuEntry("Stations", C.VIEW_STATIONS, "stations.index"),
    MenuEntry("Connections", C.REGISTER_STATIONS, "connections.attempts"),
    MenuEntry("Sessions", C.VIEW_ALL_SESSIONS, None),
    MenuEntry("Tags", C.MANAGE_TAGS, "tags.index"),
    MenuEntry("Users", C.MANAGE_USERS, None),
    MenuEntry("Alarms", C.MANAGE_ALARMS, None),
    MenuEntry("Operations", C.OPERATE_STATIONS, "operations.index"),
    MenuEntry("Reservations", C.OPERATE_STATIONS, "reservations.index"),
    MenuEntry("Configuration", C.CONFIGURE_STATIONS, "configuration.apply"),
    MenuEntry("Firmware", C.CONFIGURE_STATIONS, "firmware.index"),
    MenuEntry("Charging profiles", C.CONFIGURE_STATIONS, "charging_profiles.index"),
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
            "active": entry.endpoint is not None
            and request.endpoint is not None
            and request.endpoint.split(".")[0] == entry.endpoint.split(".")[0],
        }
        for entry in MENU
        if can(current_user, entry.capability)
    ]


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"menu": menu, "can": can, "Capability": Capability})
