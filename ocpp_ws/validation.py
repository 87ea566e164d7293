"""Schema validation of OCPP 1.6 payloads with the `ocpp` package's own JSON schemas.

The library's validators are reused with a date-time format checker added, and their
errors are mapped to the OCPP-J 1.6 error codes, spelled as 1.6 spells them.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from ocpp.messages import MessageType, get_validator

from ocpp_ws.errors import OcppError

_format_checker = FormatChecker(formats=())


@_format_checker.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    # Stations send zone-less timestamps too; they are read as UTC (DESIGN.md).
    return not isinstance(value, str) or bool(datetime.fromisoformat(value))


# jsonschema keyword that failed -> OCPP-J 1.6 error code
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
def validator_for(action: str, message_type: int = MessageType.Call) -> Draft4Validator:
    """The package's validator for this action, built once, with date-time checking."""
    return get_validator(message_type, action, "1.6").evolve(format_checker=_format_checker)


def check_payload(action: str, payload: dict[str, Any]) -> None:
    """Raise OcppError with the 1.6 code for the first problem of the payload."""
    error = next(validator_for(action).iter_errors(payload), None)
    if error is not None:
        raise OcppError(_code_for(error), _describe(error))


def _code_for(error: ValidationError) -> str:
    return _CODE_BY_KEYWORD.get(str(error.validator), "FormationViolation")


def _describe(error: ValidationError) -> str:
    where = "/".join(str(part) for part in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message
