"""OCPP 1.6 operations sent to a station, answered with what the station said."""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request

from portal.api import bp
from portal.api.auth import token_requires
from portal.api.errors import error_response
from portal.auth.permissions import Capability
from portal.errors import Invalid
from portal.input_rules import load_json
from portal.models import Command, CommandOutcome
from portal.services import remote_operations, stations
from portal.services.outcomes import ERROR_CODE, told
from portal.services.remote_operations import Sender

MAX_TIMEOUT = 300.0


@bp.post("/stations/<charge_box_id>/commands")
@token_requires(Capability.OPERATE_STATIONS)
def send_command(charge_box_id: str) -> Response:
    """Send an OCPP operation to the station and answer with what it said."""
    body = _body()
    station = stations.get(g.api_token, charge_box_id)
    action, payload = str(body.get("action", "")), body.get("payload", {})
    timeout = _timeout(body)
    command = remote_operations.send(station, action, payload, timeout=timeout,
                                     sender=Sender.of_token(g.api_token))
    return _answer(command)


def _body() -> dict[str, Any]:
    """The request's JSON object (strict JSON: portal.input_rules.load_json)."""
    try:
        body = load_json(request.get_data(as_text=True)) if request.is_json else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Invalid('The body must be a JSON object: {"action": ..., "payload": {...}}.',
                      field="body")
    return body


def _timeout(body: dict[str, Any]) -> float:
    """Seconds to wait for the answer: the body's, or the service's default."""
    timeout = body.get("timeout", remote_operations.default_timeout())
    if (not isinstance(timeout, int | float) or isinstance(timeout, bool)
            or not 0 < timeout <= MAX_TIMEOUT):
        raise Invalid(f"The timeout is in seconds, more than 0 and at most {MAX_TIMEOUT:g}.",
                      field="timeout")
    return float(timeout)


def _answer(command: Command) -> Response:
    outcome = told(command)
    found = {"command": command.id, "outcome": command.outcome.value}
    if command.outcome is CommandOutcome.ANSWERED:
        response = command.response or {}
        answer = jsonify(status=response.get("status"), response=response, **found)
        answer.status_code = outcome.http_status
        return answer
    if command.outcome is CommandOutcome.CALL_ERROR:
        found |= {"code": command.error_code, "description": command.error_description}
    return error_response(outcome.http_status,
                          outcome.sentence(f"{command.action} to {command.charge_box_id}"),
                          error=ERROR_CODE[command.outcome], **found)
