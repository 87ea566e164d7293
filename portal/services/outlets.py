"""Outlets (OCPP connectors) and the statuses stations report for them."""

from __future__ import annotations

from datetime import datetime

from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus
from sqlalchemy import select

from portal.auth.permissions import Actor, visible_stations
from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.models import Outlet, OutletMode, Station, ThirdPartyService
from portal.models.base import utcnow
from portal.services import alarms, events, live, partner_events, rollups


def outlet_for(station: Station, connector_id: int) -> Outlet:
    """The station's outlet with this connectorId, created when a station first reports it."""
    outlet = db.session.scalar(
        select(Outlet).where(Outlet.station_id == station.id, Outlet.connector_id == connector_id)
    )
    if outlet is None:
        if db.session.scalar(select(Outlet.id).where(Outlet.station_id == station.id).limit(1)):
            # Staff configured its outlets, and this is not one of them.
            alarms.check_connectors(station, reported=connector_id)
        outlet = Outlet(tenant_id=station.tenant_id, station_id=station.id,
                        connector_id=connector_id)
        db.session.add(outlet)
        db.session.flush()
    return outlet


def report_status(
    station: Station,
    connector_id: int,
    status: ChargePointStatus,
    error_code: ChargePointErrorCode,
    reported_at: datetime,
    *,
    info: str = "",
    vendor_id: str = "",
    vendor_error_code: str = "",
) -> Outlet | None:
    """Store a StatusNotification; connectorId 0 is the station as a whole. Its time moves
    only when the status or error changes: it says since when the connector is so."""
    target: Station | Outlet = station if connector_id == 0 else outlet_for(station, connector_id)
    outlet = target if isinstance(target, Outlet) else None
    before = alarms.status_cause(station, connector_id, target.status, target.error_code)
    changed = (target.status, target.error_code) != (status, error_code)
    if changed or target.status_at is None:
        target.status_at = reported_at
    target.status, target.error_code = status, error_code
    if outlet is None:
        station.status_info = info
    else:
        outlet.info, outlet.vendor_id, outlet.vendor_error_code = info, vendor_id, vendor_error_code
    live.changed(station.tenant_id)
    summary = f"Connector {connector_id}: {status.value} ({error_code.value})"
    events.record(station, "status", summary, outlet=outlet, occurred_at=reported_at,
                  details={"connectorId": connector_id, "status": status.value,
                           "errorCode": error_code.value, "info": info,
                           "vendorId": vendor_id, "vendorErrorCode": vendor_error_code})
    rollups.note_late(station, reported_at, utcnow())
    alarms.status_changed(station, connector_id, outlet, before,
                          alarms.status_cause(station, connector_id, status, error_code))
    if changed and outlet is not None:
        partner_events.outlet_status(station, outlet)
    return outlet


# The connectors drivers ask about, as the charging maps name them.
CONNECTOR_TYPES = ("Type 2", "CCS2", "CHAdeMO", "Type 1", "CCS1", "Schuko", "other")
PARKING_LABEL_LENGTH = 100  # Outlet.parking_label
EXTERNAL_ID_LENGTH = 255
ID_SEPARATOR = "|"  # no outlet's id at a service holds it


def get(actor: Actor, outlet_id: int) -> Outlet:
    """The outlet if the actor may see its station; NotFound otherwise."""
    outlet = db.session.scalar(visible_stations(actor, select(Outlet).join(Outlet.station)
                                                .where(Outlet.id == outlet_id)))
    if outlet is None:
        raise NotFound(f"No outlet {outlet_id}.")
    return outlet


def services() -> list[ThirdPartyService]:
    """The company's connected services, where an outlet may have an id of its own."""
    return list(db.session.scalars(select(ThirdPartyService).order_by(ThirdPartyService.name)))


def active_services() -> list[ThirdPartyService]:
    """The company's enabled services: those whose ids staff see on a station's page."""
    return [service for service in services() if service.enabled]


def id_at(outlet: Outlet, service: ThirdPartyService) -> str | None:
    """The outlet's id at the service (the map's outlet id, the payment zone code)."""
    return outlet.external_ids.get(str(service.id))


def ids_by_name(outlet: Outlet, of: list[ThirdPartyService]) -> dict[str, str]:
    """The outlet's ids at these services that it has one at, by the service's name."""
    return {service.name: found for service in of if (found := id_at(outlet, service))}


def set_id_at(outlet: Outlet, service: ThirdPartyService, external_id: str) -> None:
    """Keep the outlet's id at the service; an empty id removes it."""
    external_id = _checked_id(external_id)
    kept = {key: value for key, value in outlet.external_ids.items() if key != str(service.id)}
    if external_id:
        kept[str(service.id)] = external_id
    outlet.external_ids = kept  # a new dict: a JSON column sees only a new value


def describe(outlet: Outlet, *, connector_type: str, parking_label: str, mode: OutletMode,
             external_ids: dict[int, str]) -> None:
    """Keep what staff say about an outlet, and its id at each service ({service id: id};
    an empty id removes it)."""
    if connector_type not in ("", *CONNECTOR_TYPES):
        raise Invalid("Choose one of the connector types.", field="connector_type")
    parking_label = parking_label.strip()
    if len(parking_label) > PARKING_LABEL_LENGTH:
        raise Invalid(f"At most {PARKING_LABEL_LENGTH} characters.", field="parking_label")
    known = {service.id for service in services()}
    kept: dict[str, str] = {}
    for service_id, external_id in external_ids.items():
        if service_id not in known:
            raise Invalid("That service is not one of the company's.", field="external_ids")
        if external_id := _checked_id(external_id):
            kept[str(service_id)] = external_id
    outlet.connector_type, outlet.parking_label, outlet.mode = connector_type, parking_label, mode
    outlet.external_ids = kept
    db.session.flush()


def _checked_id(external_id: str) -> str:
    external_id = external_id.strip()
    if len(external_id) > EXTERNAL_ID_LENGTH:
        raise Invalid(f"An id has at most {EXTERNAL_ID_LENGTH} characters.",
                      field="external_ids")
    if ID_SEPARATOR in external_id:
        raise Invalid(f"An id may not contain {ID_SEPARATOR!r}: the topology CSV separates a "
                      "station's outlets' ids with it.", field="external_ids")
    return external_id
