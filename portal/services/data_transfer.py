"""DataTransfer from stations: vendor-specific messages, taken from the vendors the company
knows."""

from __future__ import annotations

from ocpp.v16.enums import DataTransferStatus

from portal.errors import Invalid
from portal.extensions import db
from portal.models import Station, Tenant
from portal.services import events

# OCPP 1.6 DataTransfer.req vendorId is a CiString255.
VENDOR_ID_LENGTH = 255


def known_vendor_ids(tenant: Tenant) -> set[str]:
    """The vendorIds the company's stations use, as staff list them (by line or comma)."""
    return set(_listed(tenant.data_transfer_vendor_ids))


def set_vendor_ids(tenant: Tenant, text: str) -> None:
    """Keep the vendorIds staff listed (by line or comma), one a line."""
    vendor_ids = _listed(text)
    for vendor_id in vendor_ids:
        if len(vendor_id) > VENDOR_ID_LENGTH:
            raise Invalid(f"{vendor_id[:20]}…: a vendorId has at most {VENDOR_ID_LENGTH} "
                          "characters.", field="data_transfer_vendor_ids")
    tenant.data_transfer_vendor_ids = "\n".join(dict.fromkeys(vendor_ids))


def _listed(text: str) -> list[str]:
    return [vendor.strip() for vendor in text.replace(",", "\n").splitlines() if vendor.strip()]


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
