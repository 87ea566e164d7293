"""The filter bar of the sessions table: a GET form whose values stay in the URL, so the
page, its next pages and both exports read the same filters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wtforms import DecimalField, Field, SelectChoice, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, StopValidation

from portal.blueprints.fields import LocalDateTimeField, WholeNumberField
from portal.blueprints.stations.forms import ANY, FilterForm, strip
from portal.models import AuthMethod
from portal.services.session_table import Range, SessionFilter, Sort, SortColumn

MAX_KWH = Decimal(10) ** 9  # more than any session's energy, less than the column holds
LABELS = {
    SortColumn.TRANSACTION: "Session", SortColumn.STARTED: "Start", SortColumn.STOPPED: "Stop",
    SortColumn.DURATION: "Duration", SortColumn.ENERGY: "Energy", SortColumn.METER_START:
    "Meter start", SortColumn.METER_STOP: "Meter stop", SortColumn.STATION: "Station",
    SortColumn.OUTLET: "Outlet", SortColumn.SITE: "Site", SortColumn.FLOOR: "Floor",
    SortColumn.TAG: "Tag", SortColumn.EMAIL: "User", SortColumn.AUTH_METHOD: "Authentication",
    SortColumn.STOP_REASON: "Stop reason", SortColumn.RECEIVED: "Received",
    SortColumn.REVIEW: "Closed for review",
}


class KwhField(DecimalField):
    """An amount of energy in kWh: a finite number from 0 to MAX_KWH (not NaN, not 1e999)."""

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and not (self.data.is_finite() and 0 <= self.data <= MAX_KWH):
            raise StopValidation(f"Energy must be a number of kWh from 0 to {MAX_KWH:,}.")


def _text(label: str) -> StringField:
    return StringField(label, filters=[strip], validators=[Length(max=254)])


def _number(label: str) -> WholeNumberField:
    return WholeNumberField(label, validators=[Optional(), NumberRange(min=0)])


def _time(label: str) -> LocalDateTimeField:
    return LocalDateTimeField(label, validators=[Optional()], render_kw={"step": 1})


class SessionFilterForm(FilterForm):
    transaction_id = _number("Session")
    started_from, started_to = _time("Start from"), _time("Start to")
    stopped_from, stopped_to = _time("Stop from"), _time("Stop to")
    duration_from, duration_to = _number("Duration from (min)"), _number("Duration to (min)")
    energy_from = KwhField("Energy from (kWh)", places=None, validators=[Optional()])
    energy_to = KwhField("Energy to (kWh)", places=None, validators=[Optional()])
    meter_start_from, meter_start_to = _number("Meter start from"), _number("Meter start to")
    meter_stop_from, meter_stop_to = _number("Meter stop from"), _number("Meter stop to")
    station = _text("Station")
    outlet = _number("Outlet")
    site, floor, tag, email = _text("Site"), _text("Floor"), _text("Tag"), _text("User e-mail")
    auth_method = SelectField("Authentication", default="", choices=[ANY] + [
        SelectChoice(method.value, method.label) for method in AuthMethod])
    stop_reason = _text("Stop reason")
    received_from, received_to = _time("Received from"), _time("Received to")
    review = SelectField("Closed for review", default="", choices=[
        ANY, SelectChoice("yes", "Yes"), SelectChoice("no", "No")])
    sort = SelectField("Sort by", default=SortColumn.STARTED.value, choices=[
        SelectChoice(column.value, LABELS[column]) for column in SortColumn])
    order = SelectField("Order", default="desc", choices=[
        SelectChoice("desc", "Descending"), SelectChoice("asc", "Ascending")])

    RANGES = ("started", "stopped", "duration", "energy", "meter_start", "meter_stop",
              "received")
    NOT_FILTERS = frozenset({"sort", "order"})

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then each range: its end not before its start."""
        valid = super().validate(extra_validators)
        for name in self.RANGES:
            low, high = self.value(f"{name}_from"), self.value(f"{name}_to")
            if low is not None and high is not None and high < low:
                self[f"{name}_to"].errors = [*self[f"{name}_to"].errors,
                                             "The end of the range is before its start."]
                valid = False
        return valid

    @property
    def is_filtering(self) -> bool:
        return any(self.value(name) is not None for name in self._fields
                   if name not in self.NOT_FILTERS)

    def range_fields(self) -> list[tuple[Field, Field]]:
        return [(self[f"{name}_from"], self[f"{name}_to"]) for name in self.RANGES]

    def _range(self, name: str) -> Range[Any]:
        return Range(self.value(f"{name}_from"), self.value(f"{name}_to"))

    def filters(self) -> SessionFilter:
        """The filters of the valid fields (call `validate` first); an invalid field is shown
        with its message and not applied."""
        method, review = self.value("auth_method"), self.value("review")
        return SessionFilter(
            transaction_id=self.value("transaction_id"),
            started=self._range("started"), stopped=self._range("stopped"),
            duration_minutes=self._range("duration"), energy_kwh=self._range("energy"),
            meter_start=self._range("meter_start"), meter_stop=self._range("meter_stop"),
            station=self.value("station") or "", connector_id=self.value("outlet"),
            site=self.value("site") or "", floor=self.value("floor") or "",
            tag=self.value("tag") or "", email=self.value("email") or "",
            auth_method=AuthMethod(method) if method else None,
            stop_reason=self.value("stop_reason") or "", received=self._range("received"),
            needs_review=None if review is None else review == "yes",
        )

    def sorting(self) -> Sort:
        column = self.value("sort") or SortColumn.STARTED.value
        return Sort(SortColumn(column), descending=self.value("order") != "asc")
