"""The OpenAPI 3.1 description of /api/v1 (a test checks it names every route)."""

from __future__ import annotations

from typing import Any

from portal.services.remote_operations import ACTIONS as CENTRAL_SYSTEM_ACTIONS


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


UNAUTHORIZED = _error("No valid API token of this company")
FORBIDDEN = _error("The token's role may not do this")
CHARGE_BOX_ID = {"name": "chargeBoxId", "in": "path", "required": True,
                 "schema": {"type": "string"}}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Plugboard API", "version": "1",
             "description": "Stations, transactions and OCPP 1.6 remote operations of one "
                            "company, on its own domain: https://<slug>.<domain>/api/v1."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/stations": {"get": {
            "summary": "The company's stations, with connection state and outlet statuses",
            "responses": {"200": _json("The stations", {"type": "object", "properties": {
                "stations": {"type": "array",
                             "items": {"$ref": "#/components/schemas/Station"}}}}),
                "401": UNAUTHORIZED, "403": FORBIDDEN}}},
        "/stations/{chargeBoxId}": {"get": {
            "summary": "One station",
            "parameters": [CHARGE_BOX_ID],
            "responses": {"200": _json("The station", {"$ref": "#/components/schemas/Station"}),
                          "401": UNAUTHORIZED, "403": FORBIDDEN,
                          "404": _error("No such station")}}},
        "/stations/{chargeBoxId}/commands": {"post": {
            "summary": "Send an OCPP 1.6 operation to the station and wait for its answer",
            "parameters": [CHARGE_BOX_ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["action"], "properties": {
                    "action": {"enum": list(CENTRAL_SYSTEM_ACTIONS)},
                    "payload": {"type": "object",
                                "description": "The action's OCPP 1.6 request payload"},
                    "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 300,
                                "description": "Seconds to wait for the station's answer"}}}}}},
            "responses": {
                "200": _json("The station answered (also when it refused)", {
                    "type": "object", "properties": {
                        "status": {"type": ["string", "null"]},
                        "response": {"type": "object"}, "command": {"type": "integer"},
                        "outcome": {"const": "answered"}}}),
                "401": UNAUTHORIZED, "403": FORBIDDEN, "404": _error("No such station"),
                "409": _error("The station is not connected"),
                "422": _error("The action or payload breaks OCPP 1.6; nothing was sent"),
                "502": _error("The station answered with a CALLERROR (code, description)"),
                "504": _error("The station did not answer in time")}}},
        "/transactions": {"get": {
            "summary": "Charging sessions, oldest first, a page at a time",
            "parameters": [
                {"name": "since", "in": "query", "schema": {"type": "string",
                                                            "format": "date-time"},
                 "description": "Only sessions started at or after this time"},
                {"name": "after", "in": "query", "schema": {"type": "integer"},
                 "description": "The id of the last session of the previous page"},
                {"name": "limit", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
            "responses": {"200": _json("A page and the URL of the next one", {
                "type": "object", "properties": {
                    "transactions": {"type": "array",
                                     "items": {"$ref": "#/components/schemas/Transaction"}},
                    "next": {"type": ["string", "null"]}}}),
                "401": UNAUTHORIZED, "403": FORBIDDEN,
                "422": _error("A query parameter is invalid")}}},
        "/openapi.json": {"get": {"summary": "This document", "security": [],
                                  "responses": {"200": {"description": "OpenAPI 3.1"}}}},
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "`flask tokens create` prints one"}},
        "schemas": {
            "Error": {"type": "object", "properties": {
                "error": {"type": "string"}, "errors": {"type": "object"}}},
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
                    "status": {"type": ["string", "null"]},
                    "errorCode": {"type": ["string", "null"]},
                    "statusAt": {"type": ["string", "null"], "format": "date-time"}}}}}},
            "Transaction": {"type": "object", "properties": {
                "id": {"type": "integer"}, "transactionId": {"type": ["integer", "null"]},
                "chargeBoxId": {"type": "string"},
                "connectorId": {"type": ["integer", "null"]}, "idTag": {"type": "string"},
                "authorizationStatus": {"type": "string"},
                "startedAt": {"type": "string", "format": "date-time"},
                "stoppedAt": {"type": ["string", "null"], "format": "date-time"},
                "meterStartWh": {"type": "integer"},
                "meterStopWh": {"type": ["integer", "null"]},
                "energyWh": {"type": ["integer", "null"]},
                "stopReason": {"type": ["string", "null"]},
                "needsReview": {"type": "boolean"}}},
        },
    },
}
