"""The OpenAPI 3.1 description of /api/v1 (a test checks it names every route)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from portal.api import bp
from portal.api.commands import MAX_TIMEOUT
from portal.api.errors import CODE_OF_STATUS
from portal.auth.permissions import ROLE_CAPABILITIES, Capability
from portal.services.api_tokens import TOKEN_ROLES
from portal.services.outcomes import ERROR_CODE
from portal.services.remote_operations import ACTIONS as CENTRAL_SYSTEM_ACTIONS
from portal.services.session_review import SessionAnomaly


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI description of every route here (no token needed to read it)."""
    return jsonify(DOCUMENT)


def _error(description: str, schema: str = "Error") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _roles(capability: Capability) -> str:
    """Which token roles may call a route, from the permission table."""
    allowed = [role.value for role in TOKEN_ROLES if capability in ROLE_CAPABILITIES[role]]
    return f"For tokens of role {', '.join(allowed)} ({capability.value}); others get 403."


def _guarded(capability: Capability, **responses: dict[str, Any]) -> dict[str, Any]:
    """The description and responses of a route that needs a token with the capability."""
    return {"description": _roles(capability), "responses": {
        **responses, "401": _error("No valid API token of this company"),
        "403": _error("The token's role may not do this"),
        "default": _error("Any other error (404 unknown address, 405, 500 logged), same shape")}}


CHARGE_BOX_ID = {"name": "chargeBoxId", "in": "path", "required": True,
                 "schema": {"type": "string"}}
NO_STATION = _error("No such station")
STATION = {"$ref": "#/components/schemas/Station"}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Plugboard API", "version": "1",
             "description": "Stations, transactions and OCPP 1.6 remote operations of one "
                            "company, on its own domain: https://<slug>.<domain>/api/v1. "
                            "Every error answers with the `Error` schema."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/stations": {"get": {
            "summary": "The company's stations, with connection state and outlet statuses",
            **_guarded(Capability.VIEW_STATIONS, **{
                "200": _json("The stations", {"type": "object", "properties": {
                    "stations": {"type": "array", "items": STATION}}})})}},
        "/stations/{chargeBoxId}": {"get": {
            "summary": "One station",
            "parameters": [CHARGE_BOX_ID],
            **_guarded(Capability.VIEW_STATIONS, **{
                "200": _json("The station", STATION), "404": NO_STATION})}},
        "/stations/{chargeBoxId}/commands": {"post": {
            "summary": "Send an OCPP 1.6 operation to the station and wait for its answer",
            "parameters": [CHARGE_BOX_ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["action"], "properties": {
                    "action": {"enum": list(CENTRAL_SYSTEM_ACTIONS)},
                    "payload": {"type": "object",
                                "description": "The action's OCPP 1.6 request payload"},
                    "timeout": {"type": "number", "exclusiveMinimum": 0,
                                "maximum": MAX_TIMEOUT,
                                "description": "Seconds to wait for the station's answer"}}}}}},
            **_guarded(Capability.OPERATE_STATIONS, **{
                "200": _json("The station answered (also when it refused)", {
                    "type": "object", "properties": {
                        "status": {"type": ["string", "null"]},
                        "response": {"type": "object"}, "command": {"type": "integer"},
                        "outcome": {"const": "answered"}}}),
                "404": NO_STATION,
                "409": _error("The station is not connected (station_offline)",
                              "CommandFailed"),
                "413": _error("The body is too large"),
                "422": _error("The body, action, payload or timeout is invalid; nothing was "
                              "sent"),
                "502": _error("The station answered with a CALLERROR (call_error, with its "
                              "code and description)", "CommandFailed"),
                "504": _error("The station did not answer in time (timed_out)",
                              "CommandFailed")})}},
        "/transactions": {"get": {
            "summary": "Charging sessions, oldest first, a page at a time",
            "parameters": [
                {"name": "since", "in": "query", "schema": {"type": "string",
                                                            "format": "date-time"},
                 "description": "Only sessions started at or after this time"},
                {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0},
                 "description": "The id of the last session of the previous page"},
                {"name": "limit", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
            **_guarded(Capability.VIEW_ALL_SESSIONS, **{
                "200": _json("A page and the URL of the next one", {
                    "type": "object", "properties": {
                        "transactions": {"type": "array",
                                         "items": {"$ref": "#/components/schemas/Transaction"}},
                        "next": {"type": ["string", "null"]}}}),
                "422": _error("A query parameter is invalid")})}},
        "/openapi.json": {"get": {"summary": "This document", "security": [],
                                  "responses": {"200": {"description": "OpenAPI 3.1"}}}},
    },
    "components": {
        "securitySchemes": {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "An API token of the company, printed once by `flask tokens create` "
                           "or the portal's API tokens page. Its role ("
                           + ", ".join(role.value for role in TOKEN_ROLES)
                           + ") decides which routes it may call: each route names them."}},
        "schemas": {
            "Error": {"type": "object", "required": ["error", "message"], "properties": {
                "error": {"type": "string", "description": "A machine code, e.g. " + ", ".join(
                    sorted({*CODE_OF_STATUS.values(), *ERROR_CODE.values()}))},
                "message": {"type": "string", "description": "What happened, for a person"},
                "errors": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "With 422 only: each invalid field and why"}}},
            "CommandFailed": {"allOf": [{"$ref": "#/components/schemas/Error"}, {
                "type": "object", "properties": {
                    "command": {"type": "integer"},
                    "outcome": {"enum": [outcome.value for outcome in ERROR_CODE]},
                    "code": {"type": "string", "description": "502: the CALLERROR's code"},
                    "description": {"type": "string",
                                    "description": "502: the CALLERROR's description"}}}]},
            "Station": {"type": "object", "properties": {
                "chargeBoxId": {"type": "string"}, "name": {"type": "string"},
                "registrationStatus": {"enum": ["Accepted", "Pending", "Rejected"]},
                "connected": {"type": "boolean"},
                "connectedAt": {"type": ["string", "null"], "format": "date-time"},
                "lastSeenAt": {"type": ["string", "null"], "format": "date-time"},
                "lastHeartbeatAt": {"type": ["string", "null"], "format": "date-time"},
                "vendor": {"type": "string"}, "model": {"type": "string"},
                "firmwareVersion": {"type": "string"},
                "status": {"type": ["string", "null"]},
                "outlets": {"type": "array", "items": {"type": "object", "properties": {
                    "connectorId": {"type": "integer"},
                    "uuid": {"type": "string", "format": "uuid",
                             "description": "The outlet's own id, which never changes"},
                    "status": {"type": ["string", "null"]},
                    "errorCode": {"type": ["string", "null"]},
                    "statusAt": {"type": ["string", "null"], "format": "date-time"},
                    "externalIds": {
                        "type": "object", "additionalProperties": {"type": "string"},
                        "description": "The outlet's id at each of the company's services "
                                       "it has one at (a map's outlet id, a payment zone "
                                       "code), by the service's name"}}}}}},
            "Transaction": {"type": "object", "properties": {
                "id": {"type": "integer"}, "transactionId": {"type": ["integer", "null"]},
                "chargeBoxId": {"type": "string"},
                "connectorId": {"type": ["integer", "null"]}, "idTag": {"type": "string"},
                "authorizationStatus": {"type": "string"},
                "authMethod": {"type": "string", "enum": ["open", "rfid", "remote"],
                               "description": "How the session was allowed to start: an "
                                              "OPEN outlet, an RFID tag, or a remote start "
                                              "(page, API, payment service)."},
                "startedAt": {"type": "string", "format": "date-time"},
                "stoppedAt": {"type": ["string", "null"], "format": "date-time"},
                "meterStartWh": {"type": "integer"},
                "meterStopWh": {"type": ["integer", "null"]},
                "energyWh": {"type": ["integer", "null"]},
                "stopReason": {"type": ["string", "null"]},
                "needsReview": {"type": "boolean",
                                "description": "Plugboard closed it: the station never "
                                               "reported its end."},
                "energyFromSamples": {"type": "boolean",
                                      "description": "energyWh comes from the meter values: "
                                                     "the meter reset, or no meter stop."},
                "anomaly": {"type": ["string", "null"],
                            "enum": [*(kind.value for kind in SessionAnomaly), None],
                            "description": "Why its figures cannot be right, if they cannot."},
                "reviewedAt": {"type": ["string", "null"], "format": "date-time"},
                "reviewedBy": {"type": ["string", "null"],
                               "description": "The reviewer's e-mail."},
                "reviewAction": {"type": ["string", "null"],
                                 "enum": ["accepted", "corrected", None],
                                 "description": "Corrected: its end time and meter stop "
                                                "are the reviewer's."}}},
        },
    },
}
