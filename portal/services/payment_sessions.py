"""Charging started and stopped by a payment service, by its own reference for the charge.

A start is a RemoteStartTransaction with the service's idTag on the outlet it names; the
service is told at once what the station said. A reference is answered once: the same
reference again is given the stored answer and sends nothing, whatever that answer was (a
refusal too: another try is another reference). The StartTransaction that carries the
start out links the charging session (PaymentSession.charging_session_id), which a stop
(RemoteStopTransaction) ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocpp.v16.enums import ChargePointStatus, RegistrationStatus, RemoteStartStopStatus
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.models import (
    ChargingSession,
    Command,
    CommandOutcome,
    CommandSender,
    Outlet,
    PaymentSession,
    ThirdPartyService,
)
from portal.services import outcomes, remote_operations
from portal.services.remote_operations import Sender

REFERENCE_LENGTH = PaymentSession.__table__.c.reference.type.length
OUTLET_ID_LENGTH = 255  # a UUID, or the outlet's id at the service (outlets.EXTERNAL_ID_LENGTH)
# An outlet may be started when nobody uses it: free, or a driver plugged in and waits.
STARTABLE = frozenset({ChargePointStatus.available, ChargePointStatus.preparing})
SERVICE = Sender(CommandSender.SERVICE)


@dataclass(frozen=True)
class Answer:
    """What the service is answered: an HTTP status and a JSON object."""

    status: int
    body: dict[str, Any]


def start(service: ThirdPartyService, body: dict[str, Any]) -> Answer:
    """Start charging for the body's reference on its outlet (a UUID or the outlet's id at
    the service), or give the answer that reference had. Invalid for a bad body."""
    reference = _reference(body.get("reference"))
    if (earlier := _find(service, reference)) is not None:
        return _answer_of(earlier)
    outlet = _outlet(service, body.get("outlet"))
    payment = PaymentSession(tenant_id=service.tenant_id, service_id=service.id,
                             reference=reference, outlet_id=outlet.id)
    try:
        # Within the transaction the delivery id's insert began (incoming.accept): SQLite's
        # driver would commit a savepoint begun outside one.
        with db.session.begin_nested():
            db.session.add(payment)
    except IntegrityError:  # the same reference at the same moment on another connection
        earlier = _find(service, reference)
        assert earlier is not None
        return _answer_of(earlier)
    if (why := _why_not_startable(outlet)) is not None:
        return _answered(payment, _refused(409, "outlet_unavailable", why, reference))
    command = remote_operations.send(
        outlet.station, "RemoteStartTransaction",
        {"connectorId": outlet.connector_id, "idTag": service.id_tag}, sender=SERVICE)
    payment.command_id = command.id
    started = Answer(201, {"id": payment.uuid, "reference": reference, "status": "Accepted",
                           "station": outlet.station.charge_box_id,
                           "connectorId": outlet.connector_id, "outlet": outlet.uuid})
    return _answered(payment, _told(command, started, reference))


def stop(service: ThirdPartyService, reference: str) -> Answer:
    """Stop the charging session the reference started (RemoteStopTransaction); NotFound
    for a reference the service never sent."""
    payment = _find(service, reference)
    if payment is None:
        raise NotFound(f"No session with the reference {reference!r}.")
    session = db.session.get(ChargingSession, payment.charging_session_id) \
        if payment.charging_session_id is not None else None
    if session is None:
        return _refused(409, "not_started", "No charging session has started for this "
                        "reference (yet).", reference)
    if session.stopped_at is not None:
        return _refused(409, "ended", f"Its charging session {session.transaction_id} has "
                        "ended.", reference)
    command = remote_operations.send(session.station, "RemoteStopTransaction",
                                     {"transactionId": session.transaction_id}, sender=SERVICE)
    stopping = Answer(200, {"id": payment.uuid, "reference": reference, "status": "Accepted",
                            "transactionId": session.transaction_id})
    return _told(command, stopping, reference)


def _reference(reference: Any) -> str:
    if not isinstance(reference, str) or not reference.strip():
        raise Invalid("Give the charge's reference, a string.", field="reference")
    if len(reference) > REFERENCE_LENGTH or not reference.isprintable():
        raise Invalid(f"A reference has at most {REFERENCE_LENGTH} printable characters.",
                      field="reference")
    return reference


def _find(service: ThirdPartyService, reference: str) -> PaymentSession | None:
    return db.session.scalar(select(PaymentSession).where(
        PaymentSession.service_id == service.id, PaymentSession.reference == reference))


def _outlet(service: ThirdPartyService, key: Any) -> Outlet:
    """The company's outlet with this UUID, or with this id at the service."""
    if not isinstance(key, str) or not 0 < len(key) <= OUTLET_ID_LENGTH:
        raise Invalid("Give the outlet: its UUID or its id at this service.", field="outlet")
    found = db.session.scalars(select(Outlet).where(or_(
        Outlet.uuid == key,
        Outlet.external_ids[str(service.id)].as_string() == key)).limit(2)).all()
    if len(found) != 1:
        raise Invalid(f"No outlet has the UUID or the id {key!r} at this service." if not found
                      else f"Several outlets have the id {key!r} at this service.",
                      field="outlet")
    return found[0]


def _why_not_startable(outlet: Outlet) -> str | None:
    station = outlet.station
    name = f"{station.charge_box_id} connector {outlet.connector_id}"
    if station.registration_status is not RegistrationStatus.accepted:
        return f"{station.charge_box_id} is {station.registration_status.value}, not Accepted."
    if outlet.status not in STARTABLE:
        status = outlet.status.value if outlet.status else "of unknown status"
        return f"{name} is {status}: only an Available or Preparing outlet starts."
    return None


def _told(command: Command, done: Answer, reference: str) -> Answer:
    """`done` if the station accepted the command; else why not, in the API's words."""
    told = outcomes.told(command)
    message = told.sentence(f"{command.action} to {command.charge_box_id}")
    if command.outcome is CommandOutcome.ANSWERED:
        status = (command.response or {}).get("status")
        if status == RemoteStartStopStatus.accepted.value:
            return done
        return _refused(502, "rejected", message, reference, status=status)
    extra = {"code": command.error_code, "description": command.error_description} \
        if command.outcome is CommandOutcome.CALL_ERROR else {}
    return _refused(told.http_status, outcomes.ERROR_CODE[command.outcome], message, reference,
                    **extra)


def _refused(http_status: int, error: str, message: str, reference: str, **extra: Any
             ) -> Answer:
    """An answer in the API's error shape, with the reference it is for."""
    return Answer(http_status, {"error": error, "message": message, "reference": reference,
                                **extra})


def _answered(payment: PaymentSession, answer: Answer) -> Answer:
    payment.answer_status, payment.answer = answer.status, answer.body
    db.session.flush()
    return answer


def _answer_of(payment: PaymentSession) -> Answer:
    """The answer a reference had; while its first request still waits for the station,
    409 (ask again in a moment)."""
    if payment.answer_status is None:
        return _refused(409, "in_progress", "The start for this reference is waiting for the "
                        "station's answer; ask again in a moment.", payment.reference)
    return Answer(payment.answer_status, payment.answer)
