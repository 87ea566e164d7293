"""Charging sessions (OCPP transactions), a page at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, jsonify, request, url_for

from portal.api import bp
from portal.api.auth import token_requires
from portal.api.errors import error_response
from portal.api.stations import json_time
from portal.auth.permissions import Capability
from portal.models import ChargingSession
from portal.models.base import INTEGER_MAX
from portal.services import charging_sessions
from portal.timestamps import parse_timestamp

PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
T = TypeVar("T")


@bp.get("/transactions")
@token_requires(Capability.VIEW_ALL_SESSIONS)
def list_transactions() -> Response:
    """Charging sessions started at or after `since`, oldest first, `limit` at a time;
    `next` is the URL of the following page (null on the last)."""
    errors: dict[str, str] = {}
    since = _argument("since", parse_timestamp, errors, "an ISO 8601 date-time")
    after = _argument("after", _id, errors, "the id of the last transaction of a page") or 0
    limit = _argument("limit", int, errors, "a number of transactions")
    limit = PAGE_SIZE if limit is None else limit
    if not 0 < limit <= MAX_PAGE_SIZE:
        errors["limit"] = f"from 1 to {MAX_PAGE_SIZE}"
    if errors:
        return error_response(422, "Invalid query.", errors=errors)
    page = charging_sessions.page_after(after, limit, since)
    following = None
    if len(page) == limit:
        following = url_for("api.list_transactions", _external=True, after=page[-1].id,
                            limit=limit, **({"since": request.args["since"]} if since else {}))
    return jsonify(transactions=[as_json(session) for session in page], next=following)


def _argument(name: str, parse: Callable[[str], T], errors: dict[str, str],
              expected: str) -> T | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return parse(raw)
    except ValueError:
        errors[name] = f"expected {expected}"
        return None


def _id(raw: str) -> int:
    number = int(raw)
    if not 0 <= number <= INTEGER_MAX:  # ids are Integer columns
        raise ValueError(raw)
    return number


def as_json(session: ChargingSession) -> dict[str, Any]:
    return {
        "id": session.id, "transactionId": session.transaction_id,
        "chargeBoxId": session.station.charge_box_id,
        "connectorId": session.outlet.connector_id if session.outlet else None,
        "idTag": session.id_tag, "authorizationStatus": session.authorization_status,
        "authMethod": session.auth_method.value,
        "startedAt": json_time(session.started_at), "stoppedAt": json_time(session.stopped_at),
        "meterStartWh": session.meter_start, "meterStopWh": session.meter_stop,
        "energyWh": session.energy_wh,
        "stopReason": session.stop_reason, "needsReview": session.needs_review,
        "energyFromSamples": session.energy_from_samples, "anomaly": session.anomaly,
        "reviewedAt": json_time(session.reviewed_at), "reviewedBy": session.reviewed_by,
        "reviewAction": session.review_action,
    }
