"""A payment service starts and stops charging by its own reference for the charge."""

from __future__ import annotations

from flask import Response, jsonify, request

from portal.extensions import db
from portal.integrations import bp
from portal.models import ServiceKind
from portal.models.base import utcnow
from portal.services import incoming, payment_sessions, signing
from portal.services.payment_sessions import Answer


@bp.post("/<id:service_id>/sessions")
def start(service_id: int) -> Response:
    """{"reference": ..., "outlet": <UUID or the outlet's id at the service>}: start charging."""
    accepted = _accepted(service_id)
    return _response(payment_sessions.start(accepted.service, accepted.body))


@bp.delete("/<id:service_id>/sessions/<path:reference>")
def stop(service_id: int, reference: str) -> Response:
    accepted = _accepted(service_id)
    return _response(payment_sessions.stop(accepted.service, reference))


def _accepted(service_id: int) -> incoming.Incoming:
    request.max_content_length = incoming.MAX_BODY_BYTES  # 413 past it, read or not
    return incoming.accept(service_id, ServiceKind.PAYMENT,
                           signature=request.headers.get(signing.SIGNATURE),
                           delivery_id=request.headers.get(signing.DELIVERY),
                           body=request.get_data(), now=utcnow())


def _response(answer: Answer) -> Response:
    db.session.commit()
    response = jsonify(answer.body)
    response.status_code = answer.status
    return response
