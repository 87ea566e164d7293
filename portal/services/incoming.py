"""Signed requests a company's services send to Plugboard (a payment app starting a charge).

Every incoming route takes its request through `accept`, which checks, in this order:

1. the service is one of the company's, of the route's kind: else NotFound (404);
2. Plugboard-Signature signs the raw body with the service's secret, within MAX_AGE
   (portal.services.signing): else Unauthorized (401);
3. the service is enabled: else Forbidden (403), told only to a caller that proved it is
   the service;
4. Plugboard-Delivery is given and new for the service: else DomainError (400) or Conflict
   (409). It is stored in the request's transaction, so that a request refused later
   (a bad body, 422) leaves no trace either, and a replay of an accepted one is refused;
5. the body, if any, is a JSON object: else Invalid (422).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Unauthorized
from portal.extensions import db
from portal.input_rules import load_json
from portal.models import IncomingDelivery, ServiceKind, ThirdPartyService
from portal.services import signing, third_party

# A service's requests are small JSON objects: a few fields.
MAX_BODY_BYTES = 4096
DELIVERY_ID_LENGTH = IncomingDelivery.__table__.c.delivery_id.type.length


@dataclass(frozen=True)
class Incoming:
    """A request accepted from a service: who sent it, and its JSON object ({} if none)."""

    service: ThirdPartyService
    body: dict[str, Any]


def accept(service_id: int, kind: ServiceKind, *, signature: str | None,
           delivery_id: str | None, body: bytes, now: datetime) -> Incoming:
    """The request if the service of that id and kind signed it and sent it once (see the
    module's docstring for the order of the checks); a DomainError otherwise."""
    service = _service(service_id, kind)
    try:
        signing.verify(signature, third_party.secret(service), body, int(now.timestamp()))
    except signing.BadSignature as refused:
        raise Unauthorized(str(refused)) from None
    if not service.enabled:
        raise Forbidden(f"The service {service.name} is disabled in Plugboard.")
    _remember(service, delivery_id, now)
    return Incoming(service, _json_object(body))


def _service(service_id: int, kind: ServiceKind) -> ThirdPartyService:
    service = third_party.get(service_id)  # another company's is not found
    if service.kind is not kind:
        raise NotFound(f"No {kind.value} service {service_id}.")
    return service


def _remember(service: ThirdPartyService, delivery_id: str | None, now: datetime) -> None:
    if not delivery_id or len(delivery_id) > DELIVERY_ID_LENGTH or not delivery_id.isprintable():
        raise DomainError(f"The {signing.DELIVERY} header must hold a unique id of at most "
                          f"{DELIVERY_ID_LENGTH} characters.")
    replay = Conflict(f"Delivery {delivery_id} was received already; a new request needs a "
                      "new id.")
    if db.session.scalar(select(IncomingDelivery.id).where(
            IncomingDelivery.service_id == service.id,
            IncomingDelivery.delivery_id == delivery_id)) is not None:
        raise replay
    # Flushed, not in a savepoint: with nothing written before it, SQLite's driver would
    # commit the savepoint on its release, and a request refused later would keep the id.
    db.session.add(IncomingDelivery(tenant_id=service.tenant_id, service_id=service.id,
                                    delivery_id=delivery_id, received_at=now))
    try:
        db.session.flush()
    except IntegrityError:  # the same delivery at the same moment on another connection
        db.session.rollback()
        raise replay from None


def _json_object(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        value = load_json(body.decode())
    except ValueError:  # UnicodeDecodeError too
        value = None
    if not isinstance(value, dict):
        raise Invalid("The body must be a JSON object.", field="body")
    return value
