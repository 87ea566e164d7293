"""The reservations page: its filters (in the URL) and the form that makes a reservation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.blueprints.fields import LocalDateTimeField, WholeNumberField
from portal.blueprints.stations.forms import ANY, FilterForm, strip
from portal.models import ReservationStatus
from portal.services.reservations import ReservationFilter
from portal.services.tags import MAX_ID_TAG_LENGTH


class ReservationFilterForm(FilterForm):
    charge_box_id = StringField("Station (chargeBoxId)", filters=[strip],
                                validators=[Length(max=255)])
    id_tag = StringField("Tag", filters=[strip], validators=[Length(max=MAX_ID_TAG_LENGTH)])
    status = SelectField("Status", default="", choices=[ANY] + [
        SelectChoice(status.value) for status in ReservationStatus])
    since = LocalDateTimeField("From", validators=[Optional()])
    until = LocalDateTimeField("To", validators=[Optional()])

    def filters(self) -> ReservationFilter:
        self.validate()
        status = self.value("status")
        return ReservationFilter(
            charge_box_id=self.value("charge_box_id") or "",
            id_tag=self.value("id_tag") or "",
            status=ReservationStatus(status) if status else None,
            since=self.value("since"),
            until=self.value("until"),
        )


class ReserveForm(FlaskForm):
    charge_box_id = StringField("Station (chargeBoxId)", filters=[strip],
                                validators=[DataRequired(), Length(max=255)])
    connector_id = WholeNumberField(
        "Connector", validators=[InputRequired(), NumberRange(min=0)],
        description="0 reserves any connector of the station, where the station allows it.")
    id_tag = StringField("Tag", filters=[strip],
                         validators=[DataRequired(), Length(max=MAX_ID_TAG_LENGTH)])
    expiry_at = LocalDateTimeField("Until", validators=[InputRequired()],
                                   render_kw={"step": 1})
