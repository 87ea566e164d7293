"""The events a company's services are owed (docs/webhooks.md), built where the change is
recorded and stored through the outbox in its transaction: the clock sends them.

Webhooks get what they subscribed to; a payment service gets `session.ended` for the
sessions it started; a charging map gets `outlet.status` and `station.updated` of public
stations (the latter from a flush listener, so that no door can forget it). The bodies
name things by the ids a partner can use (chargeBoxId and uuids, transactionId), times in
ISO 8601 UTC, energy in Wh.

Most of these calls are on the OCPP path: the company's enabled services are read once per
transaction, and a company with none costs that one small query and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import (
    Alarm,
    Availability,
    ChargingSession,
    Outlet,
    PaymentSession,
    ServiceKind,
    Site,
    Station,
    ThirdPartyService,
)
from portal.models.base import utcnow
from portal.services import outbox, third_party
from portal.timestamps import format_timestamp
from tenants.scoping import ALL_TENANTS

_SERVICES = "partner_services"  # session.info: (transaction, {tenant id: enabled services})

ONLINE, OFFLINE, REGISTRATION = "online", "offline", "registration"  # station.status


def enabled_services(tenant_id: int) -> list[ThirdPartyService]:
    """The company's enabled services, read once per transaction."""
    session = db.session()
    read_in, by_tenant = session.info.get(_SERVICES, (None, {}))
    if read_in is None or read_in is not session.get_transaction():
        by_tenant = {}
    if tenant_id not in by_tenant:
        by_tenant[tenant_id] = list(session.scalars(
            select(ThirdPartyService).where(ThirdPartyService.tenant_id == tenant_id,
                                            ThirdPartyService.enabled.is_(True))
            .execution_options(**{ALL_TENANTS: True})))
        session.info[_SERVICES] = (session.get_transaction(), by_tenant)
    return by_tenant[tenant_id]


def receivers(tenant_id: int, event_type: str, kind: ServiceKind) -> list[ThirdPartyService]:
    return [service for service in enabled_services(tenant_id)
            if service.kind is kind and third_party.receives(service, event_type)]


def _to_webhooks(tenant_id: int, event_type: str, body: Callable[[], dict[str, Any]]) -> None:
    """Owe the event to the company's webhooks subscribed to it; its body is built only
    when one is."""
    if webhooks := receivers(tenant_id, event_type, ServiceKind.WEBHOOK):
        data = body()
        for service in webhooks:
            outbox.emit(service, event_type, data)


# --- What happened -------------------------------------------------------------------------

def session_started(session: ChargingSession) -> None:
    """A new charging session (not a StartTransaction sent again)."""
    _to_webhooks(session.tenant_id, "session.started", lambda: session_data(session))


def session_ended(session: ChargingSession) -> None:
    """A session ended: stopped by its station, or closed by Plugboard. Webhooks hear it,
    and the payment service that started it, with its reference."""
    _to_webhooks(session.tenant_id, "session.ended", lambda: session_data(session))
    payments = {service.id: service for service in
                receivers(session.tenant_id, "session.ended", ServiceKind.PAYMENT)}
    if payments:
        for payment in db.session.scalars(select(PaymentSession).where(
                PaymentSession.charging_session_id == session.id,
                PaymentSession.service_id.in_(payments))):
            outbox.emit(payments[payment.service_id], "session.ended",
                        {"reference": payment.reference, **session_data(session)})


def station_status(station: Station, status: str, reason: str = "") -> None:
    """The station came online, went offline, or its registration was set or answered."""
    _to_webhooks(station.tenant_id, "station.status", lambda: {
        "station": station_ref(station), "status": status,
        "registrationStatus": station.registration_status.value, "reason": reason,
        "at": _time(utcnow())})


def outlet_status(station: Station, outlet: Outlet) -> None:
    """An outlet's status or error code changed. Maps hear it of public stations only, at
    most once per outlet every outbox.COALESCE_WINDOW, ending on the latest."""
    _to_webhooks(station.tenant_id, "outlet.status", lambda: _outlet_status_data(outlet))
    if station.availability is Availability.PUBLIC:
        for service in receivers(station.tenant_id, "outlet.status", ServiceKind.MAP):
            outbox.emit(service, "outlet.status", _outlet_status_data(outlet, service),
                        coalesce_key=f"outlet:{outlet.id}")


def alarm_raised(tenant_id: int, alarm_id: int) -> None:
    _to_webhooks(tenant_id, "alarm.raised",
                 lambda: _alarm_data(db.session.get(Alarm, alarm_id)))


def alarm_cleared(tenant_id: int, alarm_id: int, reason: str) -> None:
    _to_webhooks(tenant_id, "alarm.cleared",
                 lambda: {**_alarm_data(db.session.get(Alarm, alarm_id)), "reason": reason})


# --- station.updated: what a charging map lists ------------------------------------------

# What a map shows of a station, its outlets and its site: a change to one is news to it.
LISTED: dict[type, tuple[str, ...]] = {
    Station: ("name", "address", "latitude", "longitude", "site", "site_id", "availability",
              "outlets"),
    Outlet: ("connector_type", "external_ids"),
    Site: ("name", "address", "latitude", "longitude"),
}


@event.listens_for(Session, "after_flush")
def _list_changed_stations(session: Session, _context: Any) -> None:
    """Whatever door changed a public station (a page, the API, the CLI, the CSV import),
    it went through a flush: its maps are owed `station.updated`, once per station and
    flush, coalesced per station in the outbox. A station made private or deleted is
    removed from them; nothing else of it is ever sent."""
    new, listed, removed = session.new, {}, {}
    for obj in session.deleted:
        if isinstance(obj, Station) and _was_public(obj):
            removed[obj.id] = obj
        elif isinstance(obj, Outlet) and _is_public(obj.station):
            listed[obj.station.id] = obj.station
    for obj in (*new, *session.dirty):
        if type(obj) not in LISTED or (obj not in new and not _changed(obj)):
            continue
        if isinstance(obj, Site):
            listed.update((station.id, station) for station in _public_on(obj))
        elif isinstance(obj, Outlet):
            if _is_public(obj.station):
                listed[obj.station.id] = obj.station
        elif _is_public(obj):
            listed[obj.id] = obj
        elif obj not in new and _was_public(obj):
            removed[obj.id] = obj
    for station_id, station in listed.items():
        if station_id not in removed:
            _to_maps(station, station_listing)
    for station in removed.values():
        _to_maps(station, station_removal)


def _changed(obj: Any) -> bool:
    attributes = inspect(obj).attrs
    return any(attributes[name].history.has_changes() for name in LISTED[type(obj)])


def _is_public(station: Station | None) -> bool:
    return station is not None and station.availability is Availability.PUBLIC


def _was_public(station: Station) -> bool:
    """Public as the database had it before this flush (or is, if that did not change)."""
    before = inspect(station).attrs.availability.history.deleted
    return (before[0] if before else station.availability) is Availability.PUBLIC


def _public_on(site: Site) -> list[Station]:
    if not receivers(site.tenant_id, "station.updated", ServiceKind.MAP):
        return []
    return list(db.session.scalars(select(Station).where(
        Station.tenant_id == site.tenant_id, Station.site_id == site.id,
        Station.availability == Availability.PUBLIC).execution_options(**{ALL_TENANTS: True})))


def _to_maps(station: Station,
             body: Callable[[Station, ThirdPartyService], dict[str, Any]]) -> None:
    for service in receivers(station.tenant_id, "station.updated", ServiceKind.MAP):
        outbox.emit(service, "station.updated", body(station, service),
                    coalesce_key=f"station:{station.id}")


def station_listing(station: Station, service: ThirdPartyService) -> dict[str, Any]:
    """A public station as a map lists it: where it is and its outlets, with their ids at
    that map. A station with no coordinates (or address) of its own has its site's."""
    site = station.site
    here = station.latitude is not None
    latitude, longitude = ((station.latitude, station.longitude) if here or site is None
                           else (site.latitude, site.longitude))
    return {"station": station_ref(station), "removed": False, "name": station.display_name,
            "site": site.name if site else None,
            "address": station.address or (site.address if site else ""),
            "position": None if latitude is None else {"latitude": latitude,
                                                       "longitude": longitude},
            "outlets": [{**outlet_ref(outlet, service), "connectorType": outlet.connector_type
                         or None, "status": _value(outlet.status)}
                        for outlet in _by_connector(station)]}


def station_removal(station: Station, service: ThirdPartyService) -> dict[str, Any]:
    """A station no longer on the map (made private or deleted): its ids only."""
    return {"station": station_ref(station), "removed": True,
            "outlets": [outlet_ref(outlet, service) for outlet in _by_connector(station)]}


def _by_connector(station: Station) -> list[Outlet]:
    return sorted(station.outlets, key=lambda outlet: outlet.connector_id)


# --- The bodies ----------------------------------------------------------------------------

def station_ref(station: Station) -> dict[str, Any]:
    return {"chargeBoxId": station.charge_box_id, "uuid": station.uuid}


def outlet_ref(outlet: Outlet, at: ThirdPartyService | None = None) -> dict[str, Any]:
    """An outlet's ids; with a service, also its id there (None when it has none)."""
    ref = {"uuid": outlet.uuid, "connectorId": outlet.connector_id}
    if at is not None:
        ref["externalId"] = outlet.external_ids.get(str(at.id))
    return ref


def session_data(session: ChargingSession) -> dict[str, Any]:
    data = {"sessionId": session.id, "transactionId": session.transaction_id,
            "station": station_ref(session.station),
            "outlet": outlet_ref(session.outlet) if session.outlet else None,
            "idTag": session.id_tag, "start": _time(session.started_at),
            "meterStart": session.meter_start}
    if session.stopped_at is not None:
        data |= {"stop": _time(session.stopped_at), "meterStop": session.meter_stop,
                 "energy": session.energy_wh,
                 "duration": int((session.stopped_at - session.started_at).total_seconds()),
                 "stopReason": session.stop_reason,
                 "closedBy": "plugboard" if session.needs_review else "station",
                 "note": session.review_note if session.needs_review else ""}
    return data


def _outlet_status_data(outlet: Outlet, at: ThirdPartyService | None = None) -> dict[str, Any]:
    return {"station": station_ref(outlet.station), "outlet": outlet_ref(outlet, at),
            "status": _value(outlet.status), "errorCode": _value(outlet.error_code),
            "info": outlet.info, "vendorErrorCode": outlet.vendor_error_code,
            "at": _time(outlet.status_at)}


def _alarm_data(alarm: Alarm) -> dict[str, Any]:
    return {"alarmId": alarm.id, "kind": alarm.kind.value, "label": alarm.kind.label,
            "severity": alarm.severity.value, "node": alarm.node,
            "description": alarm.description,
            "station": station_ref(alarm.station) if alarm.station else None,
            "outlet": outlet_ref(alarm.outlet) if alarm.outlet else None,
            "raisedAt": _time(alarm.raised_at), "clearedAt": _time(alarm.cleared_at),
            "clearedBy": alarm.cleared_by.email if alarm.cleared_by else None}


def _time(moment: datetime | None) -> str | None:
    return format_timestamp(moment) if moment else None


def _value(member: Any) -> str | None:
    return member.value if member is not None else None
