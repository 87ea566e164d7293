"""The one way the rest of Plugboard reaches a station: send this CALL, get its reply.

The station's socket may be held by this worker or, with REDIS_URL, by any other
(ocpp_ws.routing). `call` returns the station's CALLRESULT or CALLERROR, or raises
StationOffline or CallTimedOut; it never waits longer than its time-out. It writes the
CALL to the message log (secrets masked) in the caller's transaction and commits nothing:
what a command means and what its answer changes belong to
portal.services.remote_operations. A reply has no schema check (stations answer loosely);
`unstorable` says what in it the database cannot hold, and `storable` makes its text fit.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, current_app
from ocpp.messages import MessageType
from simple_websocket import ConnectionClosed
from sqlalchemy import event

from ocpp_ws import message_log, registry
from ocpp_ws.connection import CallTimedOut, StationOffline
from ocpp_ws.errors import OcppError
from ocpp_ws.frames import Reply
from ocpp_ws.message_log import storable
from ocpp_ws.routing import ROUTER, Router
from ocpp_ws.station_state import StationState
from ocpp_ws.validation import check_payload, unstorable
from portal.extensions import db
from portal.models import Direction
from portal.models.base import utcnow
from portal.services.secrets import masked_call

__all__ = ["CallTimedOut", "Reply", "StationOffline", "call", "misfit", "reload_after_commit",
           "storable", "unstorable"]


def misfit(action: str, payload: dict[str, Any]) -> str | None:
    """Why the payload does not fit the OCPP 1.6 schema of the action; None if it does."""
    try:
        check_payload(action, payload)
    except OcppError as error:
        return error.description
    return None


def call(tenant_id: int, station_id: int, charge_box_id: str, unique_id: str, action: str,
         payload: dict[str, Any], timeout: float) -> Reply:
    """Send the CALL to the station and return its reply; raise StationOffline when no
    worker holds its socket, CallTimedOut when it did not answer within `timeout`."""
    connection = registry.find(tenant_id, charge_box_id)
    router: Router | None = current_app.extensions.get(ROUTER)
    if connection is None and router is None:
        raise StationOffline(charge_box_id)
    frame = _frame(unique_id, action, payload)
    sent_at = utcnow()
    try:
        if connection is not None:
            reply = connection.call(unique_id, frame, timeout)
        else:  # held by another worker, or by none
            assert router is not None
            reply = router.call(tenant_id, charge_box_id, unique_id, frame, timeout)
    except (ConnectionClosed, OSError):
        raise StationOffline(charge_box_id) from None
    except CallTimedOut:
        _log(tenant_id, station_id, charge_box_id, unique_id, action, payload, sent_at)
        raise
    _log(tenant_id, station_id, charge_box_id, unique_id, action, payload, sent_at)
    return reply


def _frame(unique_id: str, action: str, payload: dict[str, Any]) -> str:
    return json.dumps([MessageType.Call, unique_id, action, payload], separators=(",", ":"))


def _log(tenant_id: int, station_id: int, charge_box_id: str, unique_id: str, action: str,
         payload: dict[str, Any], sent_at: Any) -> None:
    """The CALL as it left (when it left), its secrets masked (TC_073's new key)."""
    state = StationState(tenant_id, station_id, charge_box_id)
    entry = message_log.entry(state, Direction.TO_STATION,
                              _frame(unique_id, action, masked_call(action, payload)),
                              MessageType.Call, unique_id, action)
    db.session.execute(message_log.INSERT, [{**entry, "logged_at": sent_at}])


def reload_after_commit(tenant_id: int, charge_box_id: str) -> None:
    """Have the worker holding the station's socket read the station again (registration,
    outlets, open sessions) as soon as the current transaction commits, so that what
    staff changed applies to its very next message."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    event.listen(db.session(), "after_commit",
                 lambda session: _reload(app, tenant_id, charge_box_id), once=True)


def _reload(app: Flask, tenant_id: int, charge_box_id: str) -> None:
    connection = registry.find(tenant_id, charge_box_id)
    if connection is not None:
        connection.state.loaded_at = None
    elif (router := app.extensions.get(ROUTER)) is not None:
        router.reload(tenant_id, charge_box_id)
