"""One frame from a station in, one answer out: validated, handled, logged, committed.

The answer is sent only after the commit, so a station that has its answer has data
that survives a crash (DESIGN.md, "OCPP endpoint").
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from ocpp.charge_point import camel_to_snake_case, remove_nones, snake_to_camel_case
from ocpp.messages import MessageType
from ocpp.v16.enums import Action, RegistrationStatus

from ocpp_ws import frames, message_log
from ocpp_ws.errors import OcppError
from ocpp_ws.handlers import ROUTES
from ocpp_ws.handlers.context import StationContext
from ocpp_ws.validation import check_payload
from portal.extensions import db
from portal.models import Direction, Station
from portal.models.base import utcnow

log = logging.getLogger(__name__)
KNOWN_ACTIONS = frozenset(action.value for action in Action)
INTERNAL_ERROR = OcppError("InternalError", "the central system failed")
LAST_SEEN_PRECISION = timedelta(seconds=30)


def handle_frame(station_id: int, text: str, max_frame_bytes: int) -> str | None:
    """The text to send back for a frame from the station (None for a reply to us)."""
    try:
        return _handle(station_id, text, max_frame_bytes)
    except Exception:
        # The database is out of reach or out of connections: the station keeps its
        # connection and gets an error it will retry on, nothing half-stored.
        db.session.rollback()
        log.exception("frame from station %s not handled", station_id)
        unique_id = frames.call_unique_id(text)
        return frames.call_error(unique_id, INTERNAL_ERROR) if unique_id else None
    finally:
        db.session.remove()  # no database connection is held while the socket waits


def _handle(station_id: int, text: str, max_frame_bytes: int) -> str | None:
    station = db.session.get(Station, station_id)
    _seen(station)
    try:
        message = frames.parse(text, max_frame_bytes)
    except frames.BadFrame as error:
        return _answer(station, text, error.unique_id, None, received_type=None,
                       answer=(MessageType.CallError, frames.call_error(error.unique_id, error)))
    if isinstance(message, frames.Reply):
        # Calls to stations (and so their replies) arrive with remote operations.
        message_log.record(message_log.entry(station, Direction.FROM_STATION, text,
                                             message.message_type, message.unique_id, None))
        db.session.commit()
        return None
    return _answer(station, text, message.unique_id, message.action,
                   received_type=MessageType.Call, answer=_result_of(station, message))


def _seen(station: Station) -> None:
    # Written at most every LAST_SEEN_PRECISION, not on every frame of the hot path.
    now = utcnow()
    if station.last_seen_at is None or now - station.last_seen_at > LAST_SEEN_PRECISION:
        station.last_seen_at = now


def _result_of(station: Station, call: frames.Call) -> tuple[int, str]:
    try:
        payload = _run(station, call)
    except OcppError as error:
        db.session.rollback()
        return MessageType.CallError, frames.call_error(call.unique_id, error)
    except Exception:
        db.session.rollback()
        log.exception("%s failed for %s", call.action, station.charge_box_id)
        return MessageType.CallError, frames.call_error(call.unique_id, INTERNAL_ERROR)
    return MessageType.CallResult, frames.call_result(call.unique_id, payload)


def _run(station: Station, call: frames.Call) -> dict[str, Any]:
    handler = ROUTES.get(call.action)
    if handler is None:
        if call.action in KNOWN_ACTIONS:
            raise OcppError("NotSupported", f"{call.action} is sent by a central system")
        raise OcppError("NotImplemented", f"unknown action {call.action}")
    if (station.registration_status is not RegistrationStatus.accepted
            and call.action != Action.boot_notification.value):
        raise OcppError("SecurityError",
                        f"the station is {station.registration_status.value}, not Accepted")
    check_payload(call.action, call.payload)
    result = handler(StationContext(station), **camel_to_snake_case(call.payload))
    return remove_nones(snake_to_camel_case(asdict(result)))


def _answer(station: Station, received: str, unique_id: str, action: str | None, *,
            received_type: int | None, answer: tuple[int, str]) -> str:
    answer_type, answer_text = answer
    message_log.record(
        message_log.entry(station, Direction.FROM_STATION, received, received_type or 0,
                          unique_id, action),
        message_log.entry(station, Direction.TO_STATION, answer_text, answer_type, unique_id,
                          action),
    )
    try:
        db.session.commit()
    except Exception:
        # Nothing was stored, so the station must not believe it was: it will try again.
        db.session.rollback()
        log.exception("commit failed for %s from %s", action, station.charge_box_id)
        return frames.call_error(unique_id, INTERNAL_ERROR)
    return answer_text
