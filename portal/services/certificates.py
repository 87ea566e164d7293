"""Certificates stations ask the central system to sign (OCPP 1.6 security extension)."""

from __future__ import annotations

from ocpp.v16.enums import GenericStatus

from portal.models import Station
from portal.services import events


def sign(station: Station, csr: str) -> GenericStatus:
    """Whether the station's certificate signing request is taken (SignCertificate)."""
    # Plugboard has no certificate authority yet: refuse, as the specification allows.
    events.record(station, "sign_certificate", "SignCertificate refused: no CA configured.")
    return GenericStatus.rejected
