"""The JSON API for automation: bearer tokens of the company, JSON in and out."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, jsonify, request

from ocpp_ws import commands
from portal.auth.permissions import ROLE_CAPABILITIES, Capability
from portal.blueprints.api import bp
from portal.errors import Invalid
from portal.extensions import csrf
from portal.models import CommandOutcome
from portal.services import api_tokens, stations

csrf.exempt(bp)  # no cookies here: a bearer token cannot be forged by another site
MAX_TIMEOUT = 300.0
# Command outcome -> HTTP status of POST .../commands
STATUS_OF = {CommandOutcome.ANSWERED: 200, CommandOutcome.OFFLINE: 409,
             CommandOutcome.TIMED_OUT: 504, CommandOutcome.CALL_ERROR: 502}


def _error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify(error=message, **extra), status


@bp.before_request
def _authenticate() -> tuple[Response, int] | None:
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
        command = commands.send(station, str(body.get("action", "")), body.get("payload", {}),
                                timeout=float(timeout), api_token=g.api_token)
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
