"""What each role may do: one table, one decorator for views, one filter for queries."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, false

from portal.extensions import login_manager
from portal.models import ApiToken, Role, Station, User

# Who acts: a person signed in to the portal, or an API token (company-wide, never of a site).
Actor = User | ApiToken


class Capability(enum.StrEnum):
    VIEW_DASHBOARD = "view dashboard"
    VIEW_STATIONS = "view stations"
    MANAGE_TOPOLOGY = "manage sites, floors, stations and outlets"
    # Company-wide: a site administrator manages the floors, stations and outlets of theirs.
    MANAGE_SITES = "create and delete sites, import and export the whole topology"
    # Refused connections belong to no site (an unknown chargeBoxId has none): company-wide.
    REGISTER_STATIONS = "see refused station connections and register new stations"
    # A capability's words end the API's 403: "A monitor token may not <words>."
    OPERATE_STATIONS = "send remote commands to stations"  # local lists too
    # Sending a firmware image, installing or clearing a charging profile included.
    CONFIGURE_STATIONS = "change OCPP configuration, firmware and diagnostics"
    # Tags, firmware images and charging profiles belong to the company, not to a site: one
    # tag opens every site's stations, one image or profile serves them all. Changing them
    # is company-wide; using them on a station is operating or configuring that station.
    MANAGE_TAGS = "list, import and export the company's RFID tags"
    MANAGE_FIRMWARE_IMAGES = "upload and delete the company's firmware images"
    MANAGE_CHARGING_PROFILES = "define, change and delete the company's charging profiles"
    MANAGE_USERS = "manage users"
    # Read-only; a site administrator sees the EV users of their site (see `visible_users`).
    VIEW_USERS = "see users and their tags"
    VIEW_ALL_SESSIONS = "view every charging session"
    VIEW_OWN_SESSIONS = "view own charging sessions"
    MANAGE_OWN_TAGS = "see and block own cards, add a card by its number"
    # What the company bills: support sees the review queue, administrators decide.
    REVIEW_SESSIONS = "accept and correct charging sessions up for review"
    MANAGE_ALARMS = "view and clear alarms"
    MANAGE_SERVICES = "connect third-party services"
    MANAGE_API_TOKENS = "create and revoke API tokens"
    MANAGE_TENANT = "change company settings"
    USE_TWO_FACTOR = "log in with a second factor (TOTP)"
    VIEW_AUDIT_LOG = "read the whole audit log"
    # Support users read the entries about stations (portal.services.audit_targets.STATION_KINDS).
    VIEW_STATION_AUDIT_LOG = "read the audit log of stations"


C = Capability
# The whole permission model; everything a role lacks answers 403 (404 to an EV user). A
# site administrator manages their own site only: their capabilities reach its stations only
# (see `visible_stations`), and they change no company-wide object. The tags are hidden from
# them (the list, its import and its export span every site): they see their site's EV
# users and those users' tags, read-only (`visible_users`); firmware images and charging
# profiles they see but do not change, and they send an image, install a profile or send
# the local list to their own site's stations.
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.ADMIN: frozenset(Capability) - {C.VIEW_OWN_SESSIONS, C.MANAGE_OWN_TAGS},
    Role.SITE_ADMIN: frozenset({
        C.VIEW_DASHBOARD, C.VIEW_STATIONS, C.MANAGE_TOPOLOGY, C.OPERATE_STATIONS,
        C.CONFIGURE_STATIONS, C.VIEW_USERS, C.VIEW_ALL_SESSIONS, C.REVIEW_SESSIONS,
        C.MANAGE_ALARMS, C.USE_TWO_FACTOR,
    }),
    Role.SUPPORT: frozenset({
        C.VIEW_DASHBOARD, C.VIEW_STATIONS, C.OPERATE_STATIONS, C.CONFIGURE_STATIONS,
        C.MANAGE_FIRMWARE_IMAGES, C.MANAGE_CHARGING_PROFILES, C.VIEW_ALL_SESSIONS,
        C.MANAGE_ALARMS, C.USE_TWO_FACTOR, C.VIEW_STATION_AUDIT_LOG,
    }),
    Role.EV_USER: frozenset({C.VIEW_OWN_SESSIONS, C.MANAGE_OWN_TAGS}),
    # API tokens only: reads stations and charging sessions, sends nothing.
    Role.MONITOR: frozenset({C.VIEW_STATIONS, C.VIEW_ALL_SESSIONS}),
}


def can(actor: Actor, capability: Capability) -> bool:
    return can_role(actor.role, capability)


def can_role(role: Role, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES[role]


F = TypeVar("F", bound=Callable[..., Any])


def requires(capability: Capability) -> Callable[[F], F]:
    """Log-in required (redirect to the login page), then 403 without the capability: 404
    to an EV user, who is not told which staff pages exist (issue 15)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, capability):
                abort(404 if current_user.role is Role.EV_USER else 403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def visible_stations(actor: Actor, query: Select[Any]) -> Select[Any]:
    """Limit a query over stations to those the actor may see (its site for site admins)."""
    if actor.role is Role.SITE_ADMIN:
        # A site administrator whose site was taken away sees nothing (not the stations
        # of no site, which `site_id == NULL` would name).
        return query.where(Station.site_id == actor.site_id if actor.site_id is not None
                           else false())
    return query


def visible_users(actor: Actor, query: Select[Any]) -> Select[Any]:
    """Limit a query over users to those the actor may see: a site administrator, the EV
    users of their site."""
    if actor.role is Role.SITE_ADMIN:
        return query.where(User.role == Role.EV_USER,
                           User.site_id == actor.site_id if actor.site_id is not None
                           else false())
    return query
