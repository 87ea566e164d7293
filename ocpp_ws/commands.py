"""Remote operations: a central-system call sent to a connected station, its outcome kept.

`send` validates the payload against the `ocpp` package's schema before anything leaves,
persists the command with who issued it, sends it on the station's connection (one
outstanding call per station: later ones queue in order) and records what came back:
the station's answer, its CALLERROR, "offline" or "timed out". It never waits longer
than its time-out. The station's socket may be held by this worker or, with REDIS_URL,
by any other (ocpp_ws.routing).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from flask import current_app
from ocpp.messages import MessageType
from simple_websocket import ConnectionClosed

from ocpp_ws import message_log, registry
from ocpp_ws.connection import CallTimedOut, StationOffline
from ocpp_ws.errors import OcppError
from ocpp_ws.routing import ROUTER, Router
from ocpp_ws.station_state import StationState
from ocpp_ws.validation import check_payload
from portal.errors import Invalid
from portal.extensions import db
from portal.models import ApiToken, Command, CommandOutcome, Direction, Station, User
from portal.models.base import utcnow

# The 19 operations a central system starts in OCPP 1.6.
CENTRAL_SYSTEM_ACTIONS = (
    "CancelReservation", "ChangeAvailability", "ChangeConfiguration", "ClearCache",
    "ClearChargingProfile", "DataTransfer", "GetCompositeSchedule", "GetConfiguration",
    "GetDiagnostics", "GetLocalListVersion", "RemoteStartTransaction", "RemoteStopTransaction",
    "ReserveNow", "Reset", "SendLocalList", "SetChargingProfile", "TriggerMessage",
    "UnlockConnector", "UpdateFirmware",
)


def check(action: str, payload: Any) -> None:
    """Raise Invalid (naming the field) for an action or payload no station should get."""
    if action not in CENTRAL_SYSTEM_ACTIONS:
        raise Invalid(f"{action!r} is not an operation a central system sends in OCPP 1.6.",
                      field="action")
    if not isinstance(payload, dict):
        raise Invalid("The payload must be a JSON object.", field="payload")
    try:
        check_payload(action, payload)
    except OcppError as error:
        raise Invalid(error.description, field="payload") from None


def send(station: Station, action: str, payload: dict[str, Any], *, timeout: float,
         user: User | None = None, api_token: ApiToken | None = None) -> Command:
    """Send the operation and return its persisted Command with the outcome filled in."""
    check(action, payload)
    unique_id = str(uuid.uuid4())
    command = Command(
        tenant_id=station.tenant_id, station_id=station.id, charge_box_id=station.charge_box_id,
        action=action, payload=payload, unique_id=unique_id,
        user_id=user.id if user else None, api_token_id=api_token.id if api_token else None,
    )
    db.session.add(command)
    connection = registry.find(station.tenant_id, station.charge_box_id)
    router: Router | None = current_app.extensions.get(ROUTER)
    if connection is None and router is None:
        _finish(command, CommandOutcome.OFFLINE)
        return command
    db.session.commit()  # kept before it leaves, and no database connection held meanwhile
    frame = json.dumps([MessageType.Call, unique_id, action, payload], separators=(",", ":"))
    sent = (frame, utcnow())
    try:
        if connection is not None:
            reply = connection.call(unique_id, frame, timeout)
        else:  # held by another worker, or by none
            reply = router.call(station.tenant_id, station.charge_box_id, unique_id, frame,
                                timeout)
    except CallTimedOut:
        _finish(command, CommandOutcome.TIMED_OUT, sent)
    except (StationOffline, ConnectionClosed, OSError):
        _finish(command, CommandOutcome.OFFLINE)
    else:
        if reply.message_type == MessageType.CallResult:
            command.response = reply.body[2] if len(reply.body) > 2 else {}
            _finish(command, CommandOutcome.ANSWERED, sent)
        else:
            body = reply.body + [None] * 4
            command.error_code = str(body[2])
            command.error_description = str(body[3] or "")
            _finish(command, CommandOutcome.CALL_ERROR, sent)
    return command


def _finish(command: Command, outcome: CommandOutcome,
            sent: tuple[str, datetime] | None = None) -> None:
    """Record the outcome, and the CALL frame (with when it left) in the message log if it
    was sent."""
    command.outcome = outcome
    command.answered_at = utcnow()
    if sent is not None:
        frame, sent_at = sent
        state = StationState(command.tenant_id, command.station_id, command.charge_box_id)
        entry = message_log.entry(state, Direction.TO_STATION, frame, MessageType.Call,
                                  command.unique_id or "", command.action)
        db.session.execute(message_log.INSERT, [{**entry, "logged_at": sent_at}])
    db.session.commit()
