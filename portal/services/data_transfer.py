"""DataTransfer from stations: vendor-specific messages, taken from the vendors the company
knows."""

from __future__ import annotations

from ocpp.v16.enums import DataTransferStatus

from portal.extensions import db
from portal.models import Station, Tenant
from portal.services import events


def known_vendor_ids(tenant: Tenant) -> set[str]:
    """The vendorIds the company's stations use, as staff list them (by line or comma)."""
    listed = tenant.data_transfer_vendor_ids.replace(",", "\n").splitlines()
    return {vendor.strip() for vendor in listed if vendor.strip()}


def receive(station: Station, vendor_id: str, message_id: str | None,
            data: str | None) -> DataTransferStatus:
    """Keep a DataTransfer from a known vendor as an event; refuse other vendors'."""
    tenant = db.session.get(Tenant, station.tenant_id)
    assert tenant is not None
    if vendor_id not in known_vendor_ids(tenant):
        return DataTransferStatus.unknown_vendor_id
    events.record(station, "data_transfer", f"DataTransfer from {vendor_id}",
                  details={"vendorId": vendor_id, "messageId": message_id, "data": data})
    return DataTransferStatus.accepted
