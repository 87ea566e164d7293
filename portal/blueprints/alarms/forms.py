"""The filters of the alarm lists and of the event log, read from the query string."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.blueprints.fields import LocalDateTimeField
from portal.blueprints.stations.forms import ANY, FilterForm, strip
from portal.models import AlarmKind, AlarmSeverity
from portal.services.alarm_lists import EVENT_KINDS, AlarmFilter, EventFilter


class AlarmFilterForm(FilterForm):
    kind = SelectField("Kind", default="", choices=[ANY] + [
        SelectChoice(kind.value, kind.label) for kind in AlarmKind])
    severity = SelectField("Severity", default="", choices=[ANY] + [
        SelectChoice(severity.value, severity.value.capitalize()) for severity in AlarmSeverity])
    charge_box_id = StringField("Station", filters=[strip], validators=[Length(max=255)])
    since = LocalDateTimeField("Raised from", validators=[Optional()])
    until = LocalDateTimeField("Raised to", validators=[Optional()])

    def filters(self) -> AlarmFilter:
        self.validate()
        kind, severity = self.value("kind"), self.value("severity")
        return AlarmFilter(kind=AlarmKind(kind) if kind else None,
                           severity=AlarmSeverity(severity) if severity else None,
                           charge_box_id=self.value("charge_box_id") or "",
                           since=self.value("since"), until=self.value("until"))


class EventFilterForm(FilterForm):
    kind = SelectField("Event", default="", choices=[ANY] + [
        SelectChoice(kind, words) for kind, words in EVENT_KINDS.items()])
    charge_box_id = StringField("Station", filters=[strip], validators=[Length(max=255)])
    text = StringField("Text", filters=[strip], validators=[Length(max=200)])
    since = LocalDateTimeField("From", validators=[Optional()])
    until = LocalDateTimeField("To", validators=[Optional()])

    def filters(self) -> EventFilter:
        self.validate()
        return EventFilter(kind=self.value("kind") or "",
                           charge_box_id=self.value("charge_box_id") or "",
                           text=self.value("text") or "",
                           since=self.value("since"), until=self.value("until"))


class ClearForm(FlaskForm):
    """The Clear button of an active alarm (its CSRF token only)."""
