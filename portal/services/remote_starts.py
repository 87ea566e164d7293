"""Remote starts: whether a StartTransaction is the one a RemoteStartTransaction asked for.

A page, the JSON API or a payment service start a session with RemoteStartTransaction;
the station answers Accepted, waits for the driver to plug in, then sends StartTransaction
with the idTag it was given. Nothing in that StartTransaction names the command, so it is
matched by station, idTag and connector, within REMOTE_START_WINDOW.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ocpp.v16.enums import RemoteStartStopStatus
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import (
    AuthMethod,
    ChargingSession,
    Command,
    CommandOutcome,
    PaymentSession,
    Station,
)

ACTION = "RemoteStartTransaction"
# How long a station may wait for the driver after an Accepted remote start: OCPP's
# ConnectionTimeOut is typically 30 s to 3 min.
REMOTE_START_WINDOW = timedelta(minutes=5)


def awaited(station: Station, connector_id: int, id_tag: str, now: datetime) -> Command | None:
    """The RemoteStartTransaction this StartTransaction carries out, if any: one the
    station answered Accepted in the last REMOTE_START_WINDOW, for this idTag and (if it
    named one) this connector, that no remote session of the station has used yet."""
    candidates = db.session.scalars(select(Command).where(
        Command.station_id == station.id, Command.action == ACTION,
        Command.outcome == CommandOutcome.ANSWERED,
        Command.issued_at >= now - REMOTE_START_WINDOW).order_by(Command.issued_at))
    for command in candidates:
        payload = command.payload or {}
        if ((command.response or {}).get("status") == RemoteStartStopStatus.accepted.value
                and str(payload.get("idTag", "")).upper() == id_tag.upper()
                and payload.get("connectorId") in (None, connector_id)
                and not _used(command, id_tag)):
            return command
    return None


def carried_out(command: Command, session: ChargingSession) -> None:
    """The session started by the command: a payment service's session that sent it is
    told of its end (portal.services.partner_events.session_ended)."""
    db.session.execute(update(PaymentSession).where(PaymentSession.command_id == command.id)
                       .values(charging_session_id=session.id))


def _used(command: Command, id_tag: str) -> bool:
    """Whether a remote session of the station for this idTag started since the command.

    Sessions carry the station's clock and commands the portal's: a station whose clock
    runs minutes late may see one remote start matched twice within the window.
    """
    return db.session.scalar(select(ChargingSession.id).where(
        ChargingSession.station_id == command.station_id,
        ChargingSession.auth_method == AuthMethod.REMOTE,
        ChargingSession.id_tag == id_tag,
        ChargingSession.started_at >= command.issued_at).limit(1)) is not None
