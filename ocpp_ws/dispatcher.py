"""One frame from a station in, one answer out: validated, handled, logged, committed.

The answer is sent only after the commit, so a station that has its answer has data
that survives a crash (DESIGN.md, "OCPP endpoint"). Frames take one of two lanes:

- the frequent lane (the handlers marked `@frequent`: Heartbeat, MeterValues; and every
  frame that is only logged: bad frames, refused calls, replies): Core statements from the
  connection's StationState, committed by group commit together with other stations'
  frames;
- the ORM lane (every other action): the handler works in the ORM session, which commits
  the frame's log rows in the same transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from functools import cache, lru_cache
from typing import Any

from flask import Flask, current_app
from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case
from ocpp.messages import MessageType
from ocpp.v16.enums import Action, RegistrationStatus

from ocpp_ws import frames, message_log
from ocpp_ws.errors import OcppError
from ocpp_ws.group_commit import GroupCommit, Writes
from ocpp_ws.handlers import FREQUENT, ROUTES
from ocpp_ws.handlers.context import FrameContext, StationContext
from ocpp_ws.station_state import StationState, UnknownConnector
from ocpp_ws.validation import check_payload
from portal import lanes, metrics
from portal.errors import BUSY
from portal.extensions import db
from portal.models import Direction, Station
from portal.models.base import utcnow
from portal.services import outlets, stations

log = logging.getLogger(__name__)
KNOWN_ACTIONS = frozenset(action.value for action in Action)
UNKNOWN_ACTION = "unknown"  # the metrics' label of a frame whose action is unknown or unread
INTERNAL_ERROR = OcppError("InternalError", "the central system failed")
GROUP_COMMIT = "ocpp_group_commit"  # app.extensions key


def init_app(app: Flask) -> None:
    with app.app_context():
        app.extensions[GROUP_COMMIT] = GroupCommit(lanes.ocpp_engine(app) or db.engine)


def handle_frame(state: StationState, text: str, max_frame_bytes: int,
                 on_reply: Callable[[frames.Reply], None] | None = None) -> str | None:
    """The text to send back for a frame from the station (None for a reply to us, which
    goes to `on_reply` once logged)."""
    received = time.perf_counter()
    try:
        return _handle(state, text, max_frame_bytes, on_reply, received)
    except Exception as error:
        # The database is out of reach or out of connections: the station keeps its
        # connection and gets an error it will retry on, nothing half-stored.
        db.session.rollback()
        if isinstance(error, BUSY):
            log.warning("frame from station %s not handled, the system is busy: %s",
                        state.charge_box_id, error)
        else:
            log.exception("frame from station %s not handled", state.charge_box_id)
        unique_id = frames.call_unique_id(text)
        if unique_id is None:
            return None
        metrics.ocpp_answered(UNKNOWN_ACTION, INTERNAL_ERROR.code, received)
        return frames.call_error(unique_id, INTERNAL_ERROR)
    finally:
        db.session.remove()  # no database connection is held while the socket waits


def _handle(state: StationState, text: str, max_frame_bytes: int,
            on_reply: Callable[[frames.Reply], None] | None, received: float) -> str | None:
    if not state.current:
        state.load()
    writes = Writes()
    now = utcnow()
    if state.seen(now):
        writes.add(stations.RECORD_SEEN, {"station": state.station_id, "at": now})
    try:
        message = frames.parse(text, max_frame_bytes)
    except frames.BadFrame as error:
        answer = frames.call_error(error.unique_id, error)
        _log_exchange(writes, state, text, 0, error.unique_id, None,
                      MessageType.CallError, answer)
        _group_commit(writes)
        metrics.ocpp_answered(UNKNOWN_ACTION, error.code, received)
        return answer
    if isinstance(message, frames.Reply):  # to a remote operation (ocpp_ws.transport)
        writes.add(message_log.INSERT, message_log.entry(
            state, Direction.FROM_STATION, frames.masked_reply(message, text),
            message.message_type, message.unique_id, None))
        _group_commit(writes)
        if on_reply is not None:
            on_reply(message)
        return None
    answer = _answer_call(state, writes, message, text)
    # An action OCPP 1.6 does not name is counted as unknown, so that the labels stay few.
    metrics.ocpp_answered(message.action if message.action in KNOWN_ACTIONS else UNKNOWN_ACTION,
                          frames.outcome(answer), received)
    return answer


def _answer_call(state: StationState, writes: Writes, call: frames.Call, text: str) -> str:
    try:
        _check(state, call, text)
        if call.action not in FREQUENT:
            return _orm_lane(state, writes, call, text)
        answer_type, answer = MessageType.CallResult, frames.call_result(
            call.unique_id, _frequent_lane(state, writes, call))
    except OcppError as error:  # refused before the handler added anything
        answer_type, answer = MessageType.CallError, frames.call_error(call.unique_id, error)
    _log_exchange(writes, state, text, MessageType.Call, call.unique_id, call.action,
                  answer_type, answer)
    _group_commit(writes)
    return answer


def _check(state: StationState, call: frames.Call, text: str) -> None:
    """Refuse a call no handler takes, from a station not Accepted, or off its schema (or
    off what the database can hold: ocpp_ws.validation)."""
    if call.action not in ROUTES:
        if call.action in KNOWN_ACTIONS:
            raise OcppError("NotSupported", f"{call.action} is sent by a central system")
        raise OcppError("NotImplemented", f"unknown action {call.action}")
    if not state.accepted and call.action != Action.boot_notification.value:
        raise OcppError("SecurityError", "the station is not Accepted: it may only boot")
    check_payload(call.action, call.payload, text)


def _frequent_lane(state: StationState, writes: Writes, call: frames.Call) -> dict[str, Any]:
    handler, keywords, written = ROUTES[call.action], _keywords(call.payload), len(writes.steps)
    try:
        return _payload(handler(FrameContext(state, writes), **keywords))
    except UnknownConnector as unknown:
        # Rare: a connector the station reports for the first time. Its outlet is made in
        # the ORM and committed before the frame's rows, committed apart, refer to it; then
        # the frame is handled again from the start.
        del writes.steps[written:]
        _add_outlet(state, unknown.connector_id)
        return _payload(handler(FrameContext(state, writes), **keywords))


def _add_outlet(state: StationState, connector_id: int) -> None:
    station = db.session.get(Station, state.station_id)
    outlet_id = outlets.outlet_for(station, connector_id).id
    db.session.commit()
    state.outlet_ids[connector_id] = outlet_id  # once it is sure to exist


def _orm_lane(state: StationState, writes: Writes, call: frames.Call, text: str) -> str:
    station = db.session.get(Station, state.station_id)
    try:
        result = ROUTES[call.action](StationContext(station, state), **_keywords(call.payload))
        answer_type, answer = MessageType.CallResult, frames.call_result(
            call.unique_id, _payload(result))
    except Exception as error:
        db.session.rollback()
        state.follow_ups.clear()  # what the handler meant to do next was not done
        if not isinstance(error, OcppError):
            log.exception("%s failed for %s", call.action, state.charge_box_id)
            error = INTERNAL_ERROR
        answer_type, answer = MessageType.CallError, frames.call_error(call.unique_id, error)
    _log_exchange(writes, state, text, MessageType.Call, call.unique_id, call.action,
                  answer_type, answer)
    state.accepted = station.registration_status is RegistrationStatus.accepted
    try:
        writes.run_on(db.session.connection())
        db.session.commit()
    except Exception:
        # Nothing was stored, so the station must not believe it was: it will try again.
        db.session.rollback()
        state.follow_ups.clear()
        log.exception("commit failed for %s from %s", call.action, state.charge_box_id)
        return frames.call_error(call.unique_id, INTERNAL_ERROR)
    return answer


@lru_cache(maxsize=512)
def _snake_case(name: str) -> str:
    return camel_to_snake_case({name: None}).popitem()[0]


def _keywords(payload: dict[str, Any]) -> dict[str, Any]:
    """The handler's keyword arguments: the payload's fields in snake_case (their contents
    stay as OCPP spells them; ocpp_ws.handlers says why)."""
    return {_snake_case(name): value for name, value in payload.items()}


def _payload(result: Any) -> dict[str, Any]:
    """The CALLRESULT payload of a typed call_result (or of a datatype inside one, such as
    IdTagInfo): camelCase, without empty fields. For the answers of a central system, which
    hold no lists, it does what the library's asdict, snake_to_camel_case and remove_nones
    do together, at a third of their cost."""
    payload = {}
    for name, field in _payload_fields(type(result)):
        value = getattr(result, name)
        if value is not None:
            payload[field] = _payload(value) if is_dataclass(value) else value
    return payload


@cache  # one entry per call_result class and datatype
def _payload_fields(result_type: type) -> tuple[tuple[str, str], ...]:
    """(attribute, payload field) of each field of a call_result class."""
    return tuple((field.name, snake_to_camel_case({field.name: None}).popitem()[0])
                 for field in fields(result_type))


def follow_up(state: StationState) -> None:
    """Do what handlers left for after their answer went out (StationContext.after_answer)."""
    follow_ups, state.follow_ups = state.follow_ups, []
    try:
        station = db.session.get(Station, state.station_id)
        for then in follow_ups:
            then(station)
        db.session.commit()
    except BUSY as error:
        db.session.rollback()
        log.warning("follow-up for %s not done, the system is busy: %s",
                    state.charge_box_id, error)
    except Exception:
        db.session.rollback()
        log.exception("follow-up for %s failed", state.charge_box_id)
    finally:
        db.session.remove()


def _log_exchange(writes: Writes, state: StationState, received: str, received_type: int,
                  unique_id: str, action: str | None, answer_type: int, answer: str) -> None:
    writes.add(message_log.INSERT,
               message_log.entry(state, Direction.FROM_STATION, received, received_type,
                                 unique_id, action),
               message_log.entry(state, Direction.TO_STATION, answer, answer_type,
                                 unique_id, action))


def _group_commit(writes: Writes) -> None:
    db.session.close()  # the writer may need the pool's last connection (SQLite has one)
    current_app.extensions[GROUP_COMMIT].commit(writes)
