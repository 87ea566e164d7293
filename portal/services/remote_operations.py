"""Remote operations: every call the central system makes to a station, from every door.

Pages, the JSON API, the clock, the CLI and third-party services all come here, so one set
of rules holds whoever sends:

1. `check`: the action exists and the station may be sent it now; the payload fits the
   OCPP schema and the rules of its action (CHECKS): configuration keys, the station's
   authorization key, reservations, remote starts with a TxProfile, local lists and
   charging profiles.
2. The Command is stored, with who sent it and its secrets masked, and committed before it
   leaves, so that no database connection is held while the station thinks.
3. The transport (ocpp_ws.transport) carries the frame to the worker holding the socket.
4. What came back is recorded, and what it changes in the stored state is applied through
   one table, FOLLOW_UPS (action -> function), in the transaction that records it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import Flask, current_app
from ocpp.messages import MessageType
from ocpp.v16.enums import RegistrationStatus

from ocpp_ws import transport
from portal import metrics
from portal.auth.permissions import Capability, can_role
from portal.errors import BUSY, Invalid
from portal.extensions import db
from portal.models import (
    ApiToken,
    Command,
    CommandOutcome,
    CommandSender,
    Role,
    Station,
    Tenant,
    User,
)
from portal.models.base import utcnow
from portal.services import events
from portal.services.secrets import masked_call
from tenants.scoping import tenant_scope

log = logging.getLogger(__name__)

# The 19 operations a central system starts in OCPP 1.6.
ACTIONS = (
    "CancelReservation", "ChangeAvailability", "ChangeConfiguration", "ClearCache",
    "ClearChargingProfile", "DataTransfer", "GetCompositeSchedule", "GetConfiguration",
    "GetDiagnostics", "GetLocalListVersion", "RemoteStartTransaction", "RemoteStopTransaction",
    "ReserveNow", "Reset", "SendLocalList", "SetChargingProfile", "TriggerMessage",
    "UnlockConnector", "UpdateFirmware",
)
ERROR_CODE_LENGTH = Command.__table__.c.error_code.type.length
# OCPP 1.6 (4.2.1): a station not yet Accepted may not be sent these.
NOT_BEFORE_ACCEPTED = frozenset({"RemoteStartTransaction", "RemoteStopTransaction"})


@dataclass(frozen=True)
class Sender:
    """Who sends a command: a signed-in user, an API token, the clock or a service."""

    kind: CommandSender
    user: User | None = None
    api_token: ApiToken | None = None

    @classmethod
    def of_user(cls, user: User) -> Sender:
        return cls(CommandSender.USER, user=user)

    @classmethod
    def of_token(cls, api_token: ApiToken) -> Sender:
        return cls(CommandSender.API_TOKEN, api_token=api_token)

    @property
    def role(self) -> Role | None:
        """The role it acts as; None for the clock and services (they act for no one)."""
        who = self.user or self.api_token
        return who.role if who is not None else None

    def may(self, capability: Capability) -> bool:
        return self.role is not None and can_role(self.role, capability)


CLOCK = Sender(CommandSender.CLOCK)
# The payload a check returns is the one sent: it may spell a key or a value its own way.
Check = Callable[[Station, dict[str, Any], Sender], dict[str, Any]]
# Runs once a command has ended, whatever its outcome, with the payload as it was sent
# (the stored one has its secrets masked).
FollowUp = Callable[[Command, dict[str, Any]], None]


@cache
def _rules() -> tuple[dict[str, Check], dict[str, FollowUp]]:
    # Imported here: these services send commands through this module too.
    from portal.services import (
        configuration,
        diagnostics,
        local_list,
        reservations,
        smart_charging,
    )

    checks: dict[str, Check] = {
        "ChangeConfiguration": configuration.checked_change,
        "RemoteStartTransaction": smart_charging.checked_remote_start,
        "ReserveNow": reservations.checked_reserve_now,
        "SendLocalList": local_list.checked_update,
        "SetChargingProfile": smart_charging.checked_profile,
    }
    # What a station's answer changes in what Plugboard stores.
    follow_ups: dict[str, FollowUp] = {
        "CancelReservation": reservations.follow_cancel_reservation,
        "ChangeConfiguration": configuration.store_change,
        "ClearChargingProfile": smart_charging.forget_cleared,
        "GetConfiguration": configuration.store_reported,
        "GetDiagnostics": diagnostics.remember_file_name,
        "GetLocalListVersion": local_list.record_version,
        "ReserveNow": reservations.follow_reserve_now,
        "SendLocalList": local_list.record_update,
        "SetChargingProfile": smart_charging.record_installation,
    }
    return checks, follow_ups


def default_timeout() -> float:
    """How long a command waits for its station, unless its sender says otherwise."""
    return float(current_app.config["OCPP_COMMAND_TIMEOUT"])


def check(station: Station, action: str, payload: Any, sender: Sender) -> dict[str, Any]:
    """The payload to send, or Invalid (naming the field) / Forbidden for a command this
    station may not be sent by this sender."""
    if action not in ACTIONS:
        raise Invalid(f"{action!r} is not an operation a central system sends in OCPP 1.6.",
                      field="action")
    if not isinstance(payload, dict):
        raise Invalid("The payload must be a JSON object.", field="payload")
    if (misfit := transport.misfit(action, payload)) is not None:
        raise Invalid(misfit, field="payload")
    if action in NOT_BEFORE_ACCEPTED and station.registration_status is not \
            RegistrationStatus.accepted:
        raise Invalid(f"{station.charge_box_id} is {station.registration_status.value}: OCPP 1.6 "
                      f"forbids {action} until a station is Accepted.", field="action")
    checks, _ = _rules()
    return checks[action](station, payload, sender) if action in checks else payload


def send(station: Station, action: str, payload: dict[str, Any], *, sender: Sender,
         timeout: float | None = None) -> Command:
    """Send the operation and return its stored Command with the outcome filled in; it
    waits for the station's answer, never longer than the time-out."""
    payload = check(station, action, payload, sender)
    command = _stored(station, action, payload, sender)
    db.session.flush()
    call = _Call.of(command)
    db.session.commit()  # kept before it leaves; nothing is read from it until the answer
    _perform(command, call, payload, timeout or default_timeout())
    return command


def start(stations: list[Station], action: str, payload: dict[str, Any], *,
          sender: Sender, timeout: float | None = None) -> str:
    """Send one operation to many stations at once and return the operation's id.

    Every command is stored (pending) before this returns; each station's call then runs
    on its own (green) thread, so the whole takes about one round trip, and its command
    fills in as the station answers.
    """
    if not stations:
        raise Invalid("Choose at least one station.", field="stations")
    return _start([(station, action, payload) for station in stations], sender, timeout,
                  in_order=False)


def start_in_order(station: Station, calls: list[tuple[str, dict[str, Any]]], *,
                   sender: Sender, timeout: float | None = None) -> str:
    """Send several operations (action, payload) to one station, each once the previous
    one has ended, and return the operation's id. All are checked and stored (pending)
    before this returns; one thread sends them, so the station takes them in this order."""
    return _start([(station, action, payload) for action, payload in calls], sender, timeout,
                  in_order=True)


def _start(calls: list[tuple[Station, str, dict[str, Any]]], sender: Sender,
           timeout: float | None, *, in_order: bool) -> str:
    sent = [check(station, action, payload, sender) for station, action, payload in calls]
    operation_id = str(uuid.uuid4())
    commands = [_stored(station, action, each, sender, operation_id)
                for (station, action, _), each in zip(calls, sent, strict=True)]
    db.session.flush()
    jobs = [(command.tenant_id, command.id, each) for command, each in zip(commands, sent,
                                                                          strict=True)]
    db.session.commit()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # One thread starts the others (or sends one after the other), so that the caller
    # goes on as soon as all are stored.
    threading.Thread(target=_one_after_another if in_order else _fan_out,
                     args=(app, jobs, timeout or default_timeout()), daemon=True).start()
    return operation_id


def _stored(station: Station, action: str, payload: dict[str, Any], sender: Sender,
            operation_id: str | None = None) -> Command:
    command = Command(
        tenant_id=station.tenant_id, station_id=station.id, charge_box_id=station.charge_box_id,
        action=action, payload=masked_call(action, payload), unique_id=str(uuid.uuid4()),
        operation_id=operation_id, sender=sender.kind,
        user_id=sender.user.id if sender.user else None,
        api_token_id=sender.api_token.id if sender.api_token else None,
    )
    db.session.add(command)
    # Its outcome is on the station's operations page; the event log says it was sent.
    events.record(station, "command", f"{action} {_sent_by(sender)}.",
                  details={"action": action, "operationId": operation_id})
    return command


def _fan_out(app: Flask, jobs: list[tuple[int, int, dict[str, Any]]], timeout: float) -> None:
    for tenant_id, command_id, payload in jobs:
        threading.Thread(target=_perform_elsewhere, daemon=True,
                         args=(app, tenant_id, command_id, payload, timeout)).start()


def _one_after_another(app: Flask, jobs: list[tuple[int, int, dict[str, Any]]],
                       timeout: float) -> None:
    for tenant_id, command_id, payload in jobs:
        _perform_elsewhere(app, tenant_id, command_id, payload, timeout)


def _perform_elsewhere(app: Flask, tenant_id: int, command_id: int, payload: dict[str, Any],
                       timeout: float) -> None:
    with app.app_context():
        try:
            tenant = db.session.get(Tenant, tenant_id)
            assert tenant is not None
            with tenant_scope(tenant):
                command = db.session.get(Command, command_id)
                if command is not None:
                    call = _Call.of(command)
                    db.session.commit()  # no connection held while the station thinks
                    _perform(command, call, payload, timeout)
        except BUSY as error:  # no database connection came free: the clock settles it
            db.session.rollback()
            log.warning("command %s not performed, the system is busy: %s", command_id, error)
        except Exception:
            db.session.rollback()
            log.exception("command %s could not be performed", command_id)
        finally:
            db.session.remove()


@dataclass(frozen=True)
class _Call:
    """What the transport needs of a command, read before its row is committed: reading
    the row again would hold a database connection while the station thinks."""

    tenant_id: int
    station_id: int
    charge_box_id: str
    unique_id: str
    action: str

    @classmethod
    def of(cls, command: Command) -> _Call:
        return cls(command.tenant_id, command.station_id, command.charge_box_id,
                   command.unique_id or "", command.action)


def _record_reply(command: Command, reply: transport.Reply) -> None:
    """The station's CALLRESULT or CALLERROR on the command. An answer holding what the
    database cannot (NUL, a number past 32 bits) is recorded as refused, not stored: its
    follow-up would fail and leave the command pending."""
    body = reply.body + [None] * 4
    if reply.message_type == MessageType.CallResult:
        problem = transport.unstorable(body[2])
        if problem is None:
            command.outcome = CommandOutcome.ANSWERED
            command.response = reply.body[2] if len(reply.body) > 2 else {}
            return
        code = "PropertyConstraintViolation"
        description = f"The answer cannot be stored: {problem}."
    else:
        code, description = str(body[2]), str(body[3] or "")
    command.outcome = CommandOutcome.CALL_ERROR
    command.error_code = transport.storable(code)[:ERROR_CODE_LENGTH]
    command.error_description = transport.storable(description)


def _perform(command: Command, call: _Call, payload: dict[str, Any], timeout: float) -> None:
    """Send the stored command to its station, record what came of it, commit."""
    try:
        reply = transport.call(call.tenant_id, call.station_id, call.charge_box_id,
                               call.unique_id, call.action, payload, timeout)
    except transport.CallTimedOut:
        command.outcome = CommandOutcome.TIMED_OUT
    except transport.StationOffline:
        command.outcome = CommandOutcome.OFFLINE
    else:
        _record_reply(command, reply)
    command.answered_at = utcnow()
    _, follow_ups = _rules()
    if (follow_up := follow_ups.get(call.action)) is not None:
        follow_up(command, payload)
    outcome = command.outcome  # read before the commit expires it
    db.session.commit()
    metrics.COMMANDS.labels(call.action, outcome.name.lower()).inc()


def _sent_by(sender: Sender) -> str:
    if sender.user is not None:
        return f"sent by {sender.user.email}"
    if sender.api_token is not None:
        return f"sent with API token {sender.api_token.name}"
    return f"sent by the {sender.kind.value}"
