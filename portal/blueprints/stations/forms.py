"""Filter forms of the station pages: GET forms whose values stay in the URL."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask_wtf import FlaskForm
from ocpp.v16.enums import Action, ChargePointStatus, RegistrationStatus, UpdateType
from wtforms import DataList, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.blueprints.fields import LocalDateTimeField
from portal.models import Direction
from portal.services.message_log import MessageFilter
from portal.services.monitoring import ConnectorFilter, StationChoices, StationFilter

ANY = SelectChoice("", "Any")


def strip(value: str | None) -> str:
    return (value or "").strip()


def optional_int(value: Any) -> int | None:
    return None if value in ("", None) else int(value)


class FilterForm(FlaskForm):
    """Filters read from the query string; they change nothing, so they need no CSRF token."""

    class Meta:
        csrf = False

    def value(self, name: str) -> Any:
        """The value to filter by; None when the field is empty or invalid (shown, not applied)."""
        field = self[name]
        return None if field.errors or field.data in ("", None) else field.data

    @property
    def is_filtering(self) -> bool:
        return any(self.value(name) is not None for name in self._fields)


class StationFilterForm(FilterForm):
    charge_box_id = StringField("chargeBoxId", filters=[strip], validators=[Length(max=255)])
    description = StringField("Description", filters=[strip], validators=[Length(max=200)])
    protocol = SelectField("OCPP version", choices=[ANY], default="")
    heartbeat_interval = SelectField("Heartbeat period", coerce=optional_int, choices=[ANY])
    connection = SelectField("Connection", default="", choices=[
        ANY, SelectChoice("online", "Online"), SelectChoice("offline", "Offline"),
    ])
    registration_status = SelectField("Registration", default="", choices=[ANY] + [
        SelectChoice(status.value) for status in RegistrationStatus
    ])

    def __init__(self, formdata: Any, choices: StationChoices) -> None:
        super().__init__(formdata)
        self.protocol.choices = [ANY] + [SelectChoice(protocol) for protocol in choices.protocols]
        self.heartbeat_interval.choices = [ANY] + [
            SelectChoice(str(seconds), f"{seconds} s") for seconds in choices.heartbeat_intervals
        ]

    def filters(self) -> StationFilter:
        self.validate()
        connection = self.value("connection")
        status = self.value("registration_status")
        return StationFilter(
            charge_box_id=self.value("charge_box_id") or "",
            description=self.value("description") or "",
            protocol=self.value("protocol"),
            heartbeat_interval=self.value("heartbeat_interval"),
            online=None if connection is None else connection == "online",
            registration_status=RegistrationStatus(status) if status else None,
        )


class ConnectorFilterForm(FilterForm):
    charge_box_id = StringField("Station (chargeBoxId)", filters=[strip],
                                validators=[Length(max=255)])
    status = SelectField("Status", default="", choices=[ANY] + [
        SelectChoice(status.value) for status in ChargePointStatus
    ])

    def filters(self) -> ConnectorFilter:
        self.validate()
        status = self.value("status")
        return ConnectorFilter(charge_box_id=self.value("charge_box_id") or "",
                               status=ChargePointStatus(status) if status else None)


class MessageFilterForm(FilterForm):
    """The filters of one station's message log."""

    direction = SelectField("Direction", default="", choices=[
        ANY, SelectChoice(Direction.FROM_STATION.value, "From the station"),
        SelectChoice(Direction.TO_STATION.value, "To the station"),
    ])
    message_type = SelectField("Type", coerce=optional_int, choices=[
        ANY, SelectChoice("2", "CALL"), SelectChoice("3", "CALLRESULT"),
        SelectChoice("4", "CALLERROR"),
    ])
    action = StringField("Action", filters=[strip], validators=[Length(max=50)],
                         datalist=DataList(sorted(action.value for action in Action)))
    # Bounded: the text is searched in every frame the other filters leave.
    text = StringField("Text in the frame", filters=[strip], validators=[Length(max=200)])
    since = LocalDateTimeField("From", validators=[Optional()], render_kw={"step": 1})
    until = LocalDateTimeField("To", validators=[Optional()], render_kw={"step": 1})

    def filters(self) -> MessageFilter:
        self.validate()
        direction = self.value("direction")
        return MessageFilter(
            direction=Direction(direction) if direction else None,
            message_type=self.value("message_type"),
            action=self.value("action") or "",
            text=self.value("text") or "",
            since=self.value("since"),
            until=self.value("until"),
        )


class CompanyMessageFilterForm(MessageFilterForm):
    """The filters of the whole company's message log: one station's, and which station."""

    charge_box_id = StringField("Station (chargeBoxId)", filters=[strip],
                                validators=[Length(max=255)])

    def filters(self) -> MessageFilter:
        return replace(super().filters(), charge_box_id=self.value("charge_box_id") or "")


class RegistrationForm(FlaskForm):
    status = SelectField("Registration", choices=[
        SelectChoice(status.value) for status in RegistrationStatus])


class LocalListForm(FlaskForm):
    """Send the local list (a button per update type) or ask its version (no field)."""

    update_type = SelectField("Update", choices=[SelectChoice(kind.value) for kind in UpdateType])
