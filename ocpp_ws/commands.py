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
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from ocpp.messages import MessageType
from ocpp.v16.enums import RegistrationStatus
from simple_websocket import ConnectionClosed
from sqlalchemy import event, select

from ocpp_ws import message_log, registry
from ocpp_ws.connection import CallTimedOut, StationOffline
from ocpp_ws.errors import OcppError
from ocpp_ws.routing import ROUTER, Router
from ocpp_ws.station_state import StationState
from ocpp_ws.validation import check_payload
from portal.errors import Invalid
from portal.extensions import db
from portal.models import ApiToken, Command, CommandOutcome, Direction, Station, Tenant, User
from portal.models.base import utcnow
from portal.services.configuration_keys import without_secret
from tenants.scoping import tenant_scope

# The 19 operations a central system starts in OCPP 1.6.
CENTRAL_SYSTEM_ACTIONS = (
    "CancelReservation", "ChangeAvailability", "ChangeConfiguration", "ClearCache",
    "ClearChargingProfile", "DataTransfer", "GetCompositeSchedule", "GetConfiguration",
    "GetDiagnostics", "GetLocalListVersion", "RemoteStartTransaction", "RemoteStopTransaction",
    "ReserveNow", "Reset", "SendLocalList", "SetChargingProfile", "TriggerMessage",
    "UnlockConnector", "UpdateFirmware",
)


log = logging.getLogger(__name__)

# OCPP 1.6 (4.2.1): a station not yet Accepted may not be sent these.
NOT_BEFORE_ACCEPTED = frozenset({"RemoteStartTransaction", "RemoteStopTransaction"})

AnswerHook = Callable[[Command], None]
_answer_hooks: dict[str, list[AnswerHook]] = {}


def on_answer(action: str) -> Callable[[AnswerHook], AnswerHook]:
    """Register a service function to run when a command of `action` ends, whatever its
    outcome, whoever sent it (page, API, clock), in the transaction that records it.

    This is how stored state follows what stations answered: a GetConfiguration fills the
    configuration table, an accepted ReserveNow confirms its reservation, and so on.
    """

    def register(hook: AnswerHook) -> AnswerHook:
        _answer_hooks.setdefault(action, []).append(hook)
        return hook

    return register


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
    _check_registration(station, action)
    command = _new_command(station, action, payload, user, api_token)
    db.session.add(command)
    _perform(command, timeout)
    return command


def start_operation(stations: list[Station], action: str, payload: dict[str, Any], *,
                    timeout: float, user: User | None = None,
                    api_token: ApiToken | None = None) -> str:
    """Send one operation to many stations at once and return the operation's id.

    Every command is stored (pending) before this returns; each station's call then runs
    on its own (green) thread, so the whole takes about one round trip, and its command
    fills in as the station answers. `commands_of(operation_id)` reads them back.
    """
    check(action, payload)
    for station in stations:
        _check_registration(station, action)
    operation_id = str(uuid.uuid4())
    commands = [_new_command(station, action, payload, user, api_token, operation_id)
                for station in stations]
    db.session.add_all(commands)
    db.session.flush()
    keys = [(command.tenant_id, command.id) for command in commands]  # not re-read after commit
    db.session.commit()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # One thread starts the others, so that the request answers as soon as all are stored.
    threading.Thread(target=_fan_out, args=(app, keys, timeout), daemon=True).start()
    return operation_id


def _fan_out(app: Flask, keys: list[tuple[int, int]], timeout: float) -> None:
    for tenant_id, command_id in keys:
        threading.Thread(target=_perform_elsewhere, daemon=True,
                         args=(app, tenant_id, command_id, timeout)).start()


def _check_registration(station: Station, action: str) -> None:
    if action in NOT_BEFORE_ACCEPTED and station.registration_status is not \
            RegistrationStatus.accepted:
        raise Invalid(f"{station.charge_box_id} is {station.registration_status.value}: OCPP 1.6 "
                      f"forbids {action} until a station is Accepted.", field="action")


def reload_after_commit(station: Station) -> None:
    """Have the worker holding the station's socket read the station again (registration,
    outlets, open sessions) as soon as the current transaction commits, so that what
    staff changed applies to its very next message."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    key = (station.tenant_id, station.charge_box_id)
    event.listen(db.session(), "after_commit", lambda session: _reload(app, *key), once=True)


def _reload(app: Flask, tenant_id: int, charge_box_id: str) -> None:
    connection = registry.find(tenant_id, charge_box_id)
    if connection is not None:
        connection.state.loaded_at = None
    elif (router := app.extensions.get(ROUTER)) is not None:
        router.reload(tenant_id, charge_box_id)


def commands_of(operation_id: str) -> list[Command]:
    """The commands of an operation (in the current tenant), by station."""
    return list(db.session.scalars(
        select(Command).where(Command.operation_id == operation_id)
        .order_by(Command.charge_box_id)))


def _new_command(station: Station, action: str, payload: dict[str, Any], user: User | None,
                 api_token: ApiToken | None, operation_id: str | None = None) -> Command:
    return Command(
        tenant_id=station.tenant_id, station_id=station.id, charge_box_id=station.charge_box_id,
        action=action, payload=payload, unique_id=str(uuid.uuid4()), operation_id=operation_id,
        user_id=user.id if user else None, api_token_id=api_token.id if api_token else None,
    )


def _perform_elsewhere(app: Flask, tenant_id: int, command_id: int, timeout: float) -> None:
    with app.app_context():
        try:
            tenant = db.session.get(Tenant, tenant_id)
            assert tenant is not None
            with tenant_scope(tenant):
                command = db.session.get(Command, command_id)
                if command is not None:
                    _perform(command, timeout)
        except Exception:  # e.g. no database connection free: the clock settles it later
            db.session.rollback()
            log.exception("command %s could not be performed", command_id)
        finally:
            db.session.remove()


def _perform(command: Command, timeout: float) -> None:
    """Send the stored command to its station and record what came of it."""
    connection = registry.find(command.tenant_id, command.charge_box_id)
    router: Router | None = current_app.extensions.get(ROUTER)
    if connection is None and router is None:
        _finish(command, CommandOutcome.OFFLINE)
        return
    tenant_id, charge_box_id = command.tenant_id, command.charge_box_id
    unique_id = command.unique_id or ""
    frame, logged = (json.dumps([MessageType.Call, unique_id, command.action, payload],
                                separators=(",", ":"))
                     for payload in (command.payload,
                                     without_secret(command.action, command.payload)))
    # Kept before it leaves; read nothing from it until the answer, so that no database
    # connection is held meanwhile.
    db.session.commit()
    sent = (logged, utcnow())  # the station's new key (TC_073) is never logged
    try:
        if connection is not None:
            reply = connection.call(unique_id, frame, timeout)
        else:  # held by another worker, or by none
            reply = router.call(tenant_id, charge_box_id, unique_id, frame, timeout)
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


def _finish(command: Command, outcome: CommandOutcome,
            sent: tuple[str, datetime] | None = None) -> None:
    """Record the outcome, and the CALL frame (with when it left) in the message log if it
    was sent."""
    command.outcome = outcome
    command.answered_at = utcnow()
    for hook in _answer_hooks.get(command.action, ()):
        hook(command)
    if sent is not None:
        frame, sent_at = sent
        state = StationState(command.tenant_id, command.station_id, command.charge_box_id)
        entry = message_log.entry(state, Direction.TO_STATION, frame, MessageType.Call,
                                  command.unique_id or "", command.action)
        db.session.execute(message_log.INSERT, [{**entry, "logged_at": sent_at}])
    db.session.commit()
