"""The JSON API for automation: bearer tokens of the company, JSON in and out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import Response, current_app, g, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth.permissions import ROLE_CAPABILITIES, Capability
from portal.blueprints.api import bp, openapi
from portal.errors import Invalid
from portal.extensions import csrf, db
from portal.models import ChargingSession, CommandOutcome, Station
from portal.services import api_tokens, remote_operations, stations
from portal.services.remote_operations import Sender
from portal.timestamps import format_timestamp, parse_timestamp

csrf.exempt(bp)  # no cookies here: a bearer token cannot be forged by another site
MAX_TIMEOUT = 300.0
PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
T = TypeVar("T")
# Command outcome -> HTTP status of POST .../commands
STATUS_OF = {CommandOutcome.ANSWERED: 200, CommandOutcome.OFFLINE: 409,
             CommandOutcome.TIMED_OUT: 504, CommandOutcome.CALL_ERROR: 502}


def _error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify(error=message, **extra), status


@bp.before_request
def _authenticate() -> tuple[Response, int] | None:
    if request.endpoint == "api.openapi_document":
        return None
    if g.get("tenant") is None:
        return _error(404, "The API lives on a company's own domain.")
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    token = api_tokens.find_by_secret(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        response, status = _error(401, "A valid API token of this company is required "
                                       "(Authorization: Bearer <token>).")
        response.headers["WWW-Authenticate"] = 'Bearer realm="Plugboard API"'
        return response, status
    g.api_token = token
    if db.session.dirty:  # its last use: reads commit nothing else
        db.session.commit()
    return None


def _may(capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES[g.api_token.role]


@bp.post("/stations/<charge_box_id>/commands")
def send_command(charge_box_id: str) -> tuple[Response, int]:
    """Send an OCPP operation to the station and answer with what it said."""
    if not _may(Capability.OPERATE_STATIONS):
        return _error(403, "This token may not operate stations.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(422, "The body must be a JSON object.",
                      errors={"body": 'expected {"action": ..., "payload": {...}}'})
    station = stations.find(charge_box_id)
    if station is None:
        return _error(404, f"No station {charge_box_id}.")
    timeout = body.get("timeout", current_app.config["OCPP_COMMAND_TIMEOUT"])
    if (not isinstance(timeout, int | float) or isinstance(timeout, bool)
            or not 0 < timeout <= MAX_TIMEOUT):
        return _error(422, "Invalid timeout.",
                      errors={"timeout": f"seconds, more than 0 and at most {MAX_TIMEOUT:g}"})
    try:
        command = remote_operations.send(station, str(body.get("action", "")),
                                         body.get("payload", {}), timeout=float(timeout),
                                         sender=Sender.of_token(g.api_token))
    except Invalid as error:
        return _error(422, "Invalid command.", errors={error.field or "body": str(error)})
    found = {"command": command.id, "outcome": command.outcome.value}
    if command.outcome is CommandOutcome.ANSWERED:
        response = command.response or {}
        return jsonify(status=response.get("status"), response=response, **found), 200
    if command.outcome is CommandOutcome.CALL_ERROR:
        return _error(502, "The station answered with a CALLERROR.", code=command.error_code,
                      description=command.error_description, **found)
    message = {CommandOutcome.OFFLINE: f"Station {charge_box_id} is not connected.",
               CommandOutcome.TIMED_OUT: f"Station {charge_box_id} did not answer in "
                                         f"{timeout:g} s."}[command.outcome]
    return _error(STATUS_OF[command.outcome], message, **found)


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI description of every route here (no token needed to read it)."""
    return jsonify(openapi.DOCUMENT)


@bp.get("/stations")
def list_stations() -> tuple[Response, int]:
    """The company's stations with their connection state and outlet statuses."""
    if not _may(Capability.VIEW_STATIONS):
        return _error(403, "This token may not see stations.")
    found = db.session.scalars(select(Station).options(selectinload(Station.outlets))
                               .order_by(Station.charge_box_id))
    return jsonify(stations=[_station(station) for station in found]), 200


@bp.get("/stations/<charge_box_id>")
def show_station(charge_box_id: str) -> tuple[Response, int]:
    if not _may(Capability.VIEW_STATIONS):
        return _error(403, "This token may not see stations.")
    station = stations.find(charge_box_id)
    if station is None:
        return _error(404, f"No station {charge_box_id}.")
    return jsonify(_station(station)), 200


@bp.get("/transactions")
def list_transactions() -> tuple[Response, int]:
    """Charging sessions started at or after `since`, oldest first, `limit` at a time;
    `next` is the URL of the following page (null on the last)."""
    if not _may(Capability.VIEW_ALL_SESSIONS):
        return _error(403, "This token may not see charging sessions.")
    errors: dict[str, str] = {}
    since = _argument("since", parse_timestamp, errors, "an ISO 8601 date-time")
    after = _argument("after", int, errors, "the id of the last transaction of a page") or 0
    limit = _argument("limit", int, errors, "a number of transactions")
    limit = PAGE_SIZE if limit is None else limit
    if not 0 < limit <= MAX_PAGE_SIZE:
        errors["limit"] = f"from 1 to {MAX_PAGE_SIZE}"
    if errors:
        return _error(422, "Invalid query.", errors=errors)
    query = (select(ChargingSession).options(selectinload(ChargingSession.station),
                                             selectinload(ChargingSession.outlet))
             .where(ChargingSession.id > after).order_by(ChargingSession.id).limit(limit))
    if since is not None:
        query = query.where(ChargingSession.started_at >= since)
    page = db.session.scalars(query).all()
    following = None
    if len(page) == limit:
        following = url_for("api.list_transactions", _external=True, after=page[-1].id,
                            limit=limit, **({"since": request.args["since"]} if since else {}))
    return jsonify(transactions=[_transaction(session) for session in page],
                   next=following), 200


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


def _time(moment: datetime | None) -> str | None:
    return format_timestamp(moment) if moment else None


def _station(station: Station) -> dict[str, Any]:
    return {
        "chargeBoxId": station.charge_box_id, "name": station.name,
        "registrationStatus": station.registration_status.value,
        "connected": station.connected_at is not None,
        "connectedAt": _time(station.connected_at), "lastSeenAt": _time(station.last_seen_at),
        "lastHeartbeatAt": _time(station.last_heartbeat_at),
        "vendor": station.vendor, "model": station.model,
        "firmwareVersion": station.firmware_version,
        "status": station.status.value if station.status else None,
        "outlets": [{"connectorId": outlet.connector_id,
                     "status": outlet.status.value if outlet.status else None,
                     "errorCode": outlet.error_code.value if outlet.error_code else None,
                     "statusAt": _time(outlet.status_at)}
                    for outlet in sorted(station.outlets, key=lambda o: o.connector_id)],
    }


def _transaction(session: ChargingSession) -> dict[str, Any]:
    return {
        "id": session.id, "transactionId": session.transaction_id,
        "chargeBoxId": session.station.charge_box_id,
        "connectorId": session.outlet.connector_id if session.outlet else None,
        "idTag": session.id_tag, "authorizationStatus": session.authorization_status,
        "startedAt": _time(session.started_at), "stoppedAt": _time(session.stopped_at),
        "meterStartWh": session.meter_start, "meterStopWh": session.meter_stop,
        "energyWh": (session.meter_stop - session.meter_start
                     if session.meter_stop is not None else None),
        "stopReason": session.stop_reason, "needsReview": session.needs_review,
    }
