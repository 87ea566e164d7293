"""Schema validation of OCPP 1.6 payloads with the `ocpp` package's own JSON schemas.

The package's schema files are compiled to Python with fastjsonschema (a 4-value
MeterValues takes about 12 µs instead of jsonschema's 210 µs), with a date-time format
that also reads zone-less timestamps. Failures are mapped to the OCPP-J 1.6 error
codes, spelled as 1.6 spells them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

import fastjsonschema
from ocpp.messages import MessageType, get_validator

from ocpp_ws.errors import OcppError


def _is_date_time(value: str) -> bool:
    # Stations send zone-less timestamps too; they are read as UTC (DESIGN.md).
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


# schema keyword that failed -> OCPP-J 1.6 error code; any other -> FormationViolation
_CODE_BY_KEYWORD = {
    "required": "OccurenceConstraintViolation",
    "minItems": "OccurenceConstraintViolation",
    "maxItems": "OccurenceConstraintViolation",
    "type": "TypeConstraintViolation",
    "additionalProperties": "PropertyConstraintViolation",
    "enum": "PropertyConstraintViolation",
    "maxLength": "PropertyConstraintViolation",
    "minLength": "PropertyConstraintViolation",
    "minimum": "PropertyConstraintViolation",
    "maximum": "PropertyConstraintViolation",
    "multipleOf": "PropertyConstraintViolation",
    "pattern": "PropertyConstraintViolation",
    "format": "PropertyConstraintViolation",
}


@cache
def validator_for(action: str, message_type: int = MessageType.Call) -> Callable[[Any], Any]:
    """The compiled schema of this action's payload, built once per process."""
    schema = get_validator(message_type, action, "1.6").schema
    return fastjsonschema.compile(schema, formats={"date-time": _is_date_time})


def check_payload(action: str, payload: dict[str, Any]) -> None:
    """Raise OcppError with the 1.6 code for the first problem of the payload."""
    try:
        validator_for(action)(payload)
    except fastjsonschema.JsonSchemaValueException as error:
        code = _CODE_BY_KEYWORD.get(error.rule or "", "FormationViolation")
        raise OcppError(code, error.message.replace("data", "payload", 1)) from None
