"""Form fields whose values fit where they go, so that a wild value is a field error on the
page and not a database error later (in a row, a command or a station's answer):

- WholeNumberField: an integer that fits the database's 32-bit Integer columns, which
  also hold every OCPP integer a command sends (ids, connectors, seconds, retries);
- LocalDateTimeField: a time typed in the company's time zone, as staff read times on the
  pages, that is still a time once stored in UTC (year 1 east of UTC, or 9999 west of it,
  is not).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from flask import g
from wtforms import DateTimeLocalField, IntegerField
from wtforms.validators import StopValidation

from portal.models.base import INTEGER_MAX, INTEGER_MIN


def company_zone() -> ZoneInfo:
    return ZoneInfo(g.tenant.time_zone)


class WholeNumberField(IntegerField):
    """An IntegerField from INTEGER_MIN to INTEGER_MAX; its own validators narrow it."""

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and not INTEGER_MIN <= self.data <= INTEGER_MAX:
            raise StopValidation(f"Number must be between {INTEGER_MIN} and {INTEGER_MAX}.")


class LocalDateTimeField(DateTimeLocalField):
    """A DateTimeLocalField read in the company's time zone (timezone-aware values)."""

    def __init__(self, label: str | None = None, validators: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(label, validators, tz=company_zone, **kwargs)

    def pre_validate(self, form: Any) -> None:
        if self.data is not None:
            try:
                self.data.astimezone(UTC)
            except OverflowError:
                raise StopValidation("Too early or too late to be a time in UTC.") from None
