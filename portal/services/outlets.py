"""Outlets (OCPP connectors) and the statuses stations report for them."""

from __future__ import annotations

from datetime import datetime

from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus
from sqlalchemy import select

from portal.extensions import db
from portal.models import AlarmKind, Outlet, Station
from portal.services import alarms, events, live


def outlet_for(station: Station, connector_id: int) -> Outlet:
    """The station's outlet with this connectorId, created when a station first reports it."""
    outlet = db.session.scalar(
        select(Outlet).where(Outlet.station_id == station.id, Outlet.connector_id == connector_id)
    )
    if outlet is None:
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
    """Store a StatusNotification; connectorId 0 is the station as a whole."""
    target: Station | Outlet = station if connector_id == 0 else outlet_for(station, connector_id)
    target.status, target.error_code, target.status_at = status, error_code, reported_at
    if connector_id == 0:
        station.status_info = info
    else:
        target.info, target.vendor_id, target.vendor_error_code = info, vendor_id, vendor_error_code
    outlet = target if isinstance(target, Outlet) else None
    live.changed(station.tenant_id)
    summary = f"Connector {connector_id}: {status.value} ({error_code.value})"
    events.record(station, "status", summary, outlet=outlet, occurred_at=reported_at,
                  details={"connectorId": connector_id, "status": status.value,
                           "errorCode": error_code.value, "info": info,
                           "vendorId": vendor_id, "vendorErrorCode": vendor_error_code})
    # Every Faulted connector is a hardware failure until alarms read the errorCode
    # (fuse, temperature, voltage each have their own kind).
    if status is ChargePointStatus.faulted:
        node = f"{station.charge_box_id}/{connector_id}"
        alarms.raise_once(station.tenant_id, AlarmKind.HARDWARE_FAILURE, node,
                          f"Connector {connector_id} of {station.charge_box_id} reported Faulted "
                          f"({error_code.value}).", station=station, outlet=outlet)
    return outlet
