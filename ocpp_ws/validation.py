"""Schema validation of OCPP 1.6 payloads with the `ocpp` package's own JSON schemas.

The package's schema files are compiled to Python with fastjsonschema (a 4-value
MeterValues takes about 12 µs instead of jsonschema's 210 µs), with a date-time format
that also reads zone-less timestamps. Failures are mapped to the OCPP-J 1.6 error
codes, spelled as 1.6 spells them.

What the schemas allow but the database cannot hold is refused here too, in both
directions (a station's CALL, and every payload a remote operation sends), as a
PropertyConstraintViolation:

- integers and numbers outside the 32-bit range of Integer columns (transactionId,
  connectorId, meterStart, ids, seconds): the bounds are compiled into each schema once,
  so they cost nothing per message;
- date-times that are no time in UTC (year 1 east of UTC, year 9999 west of it);
- strings holding a NUL character or a lone surrogate (text PostgreSQL cannot store, or
  no UTF-8 can carry). JSON can only spell them as \\u escapes, so a station's frame is
  searched for them only when its text holds one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import fastjsonschema
from ocpp.messages import MessageType, get_validator

from ocpp_ws.errors import OcppError
from portal.models.base import INTEGER_MAX, INTEGER_MIN
from portal.timestamps import parse_timestamp

UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


def _is_date_time(value: str) -> bool:
    # Stations send zone-less timestamps too; they are read as UTC (DESIGN.md).
    try:
        parse_timestamp(value)
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
    schema = _bounded(get_validator(message_type, action, "1.6").schema)
    return fastjsonschema.compile(schema, formats={"date-time": _is_date_time})


def _bounded(schema: Any) -> Any:
    """The schema with every integer and number kept within the database's Integer range
    (the schema's own bounds stay where they are narrower)."""
    if isinstance(schema, list):
        return [_bounded(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    bounded = {key: _bounded(value) for key, value in schema.items()}
    if schema.get("type") in ("integer", "number"):
        bounded["minimum"] = max(schema.get("minimum", INTEGER_MIN), INTEGER_MIN)
        bounded["maximum"] = min(schema.get("maximum", INTEGER_MAX), INTEGER_MAX)
    return bounded


def check_payload(action: str, payload: dict[str, Any], text: str | None = None) -> None:
    """Raise OcppError with the 1.6 code for the first problem of the payload; `text` is
    the frame it was read from, if any (it tells whether strings need a look)."""
    try:
        validator_for(action)(payload)
    except fastjsonschema.JsonSchemaValueException as error:
        code = _CODE_BY_KEYWORD.get(error.rule or "", "FormationViolation")
        raise OcppError(code, error.message.replace("data", "payload", 1)) from None
    except (ValueError, OverflowError):  # a number multipleOf cannot divide (NaN, 10**400)
        raise OcppError("PropertyConstraintViolation",
                        "payload holds a number out of range") from None
    if text is None or "\\u" in text:
        problem = unstorable(payload)
        if problem is not None:
            raise OcppError("PropertyConstraintViolation", problem)


def unstorable(value: Any, path: str = "payload") -> str | None:
    """What in a JSON value no database column can hold, if anything: a string with NUL or
    a lone surrogate, a number outside the Integer range. (It also reads station answers,
    which have no schema check.)"""
    if isinstance(value, str):
        return (f"{path} holds a NUL character or a lone surrogate"
                if UNSTORABLE_TEXT.search(value) else None)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (None if INTEGER_MIN <= value <= INTEGER_MAX
                else f"{path} is out of range ({INTEGER_MIN} to {INTEGER_MAX})")
    if isinstance(value, dict):
        items: Any = ((f"{path}.{key}", item) for key, item in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    else:
        return None
    return next((found for where, item in items
                 if (found := unstorable(item, where)) is not None), None)
