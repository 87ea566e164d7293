"""Forms of the charging-profile pages and of the station's Smart charging tab."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from ocpp.v16.enums import (
    ChargingProfileKindType,
    ChargingProfilePurposeType,
    ChargingRateUnitType,
    RecurrencyKind,
)
from wtforms import (
    DecimalField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.blueprints.fields import LocalDateTimeField, WholeNumberField
from portal.blueprints.stations.forms import ANY, FilterForm, strip
from portal.services.charging_profiles import Period, ProfileFilter, ProfileValues
from portal.services.smart_charging import ClearCriteria

EMPTY_PERIOD_ROWS = 3
NONE = SelectChoice("", "—")


def _choices(enum_class: type[Any]) -> list[SelectChoice]:
    return [SelectChoice(member.value) for member in enum_class]


def _enum_or_none(enum_class: type[Any], value: str | None) -> Any:
    return enum_class(value) if value else None


class ProfileFilterForm(FilterForm):
    purpose = SelectField("Purpose", default="", choices=[ANY, *_choices(
        ChargingProfilePurposeType)])
    kind = SelectField("Kind", default="", choices=[ANY, *_choices(ChargingProfileKindType)])
    rate_unit = SelectField("Rate unit", default="", choices=[ANY, *_choices(
        ChargingRateUnitType)])
    text = StringField("Description or note", filters=[strip], validators=[Length(max=200)])

    def filters(self) -> ProfileFilter:
        self.validate()
        return ProfileFilter(
            purpose=_enum_or_none(ChargingProfilePurposeType, self.value("purpose")),
            kind=_enum_or_none(ChargingProfileKindType, self.value("kind")),
            rate_unit=_enum_or_none(ChargingRateUnitType, self.value("rate_unit")),
            text=self.value("text") or "")


class PeriodForm(Form):
    """A row of the schedule; a row left wholly empty is no period."""

    start_period = WholeNumberField("Start (s)", validators=[Optional()])
    limit = DecimalField("Limit", places=None, validators=[Optional()])
    number_phases = WholeNumberField("Phases", validators=[Optional()])

    @property
    def is_empty(self) -> bool:
        return all(f.data is None for f in (self.start_period, self.limit, self.number_phases))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for needed in () if self.is_empty else (self.start_period, self.limit):
            if needed.data is None and not needed.errors:
                needed.errors.append("Needed in a period row.")
                valid = False
        return valid

    def period(self) -> Period:
        return Period(self.start_period.data, self.limit.data, self.number_phases.data)


class ProfileForm(FlaskForm):
    charging_profile_id = WholeNumberField("Profile id (chargingProfileId)",
                                           validators=[InputRequired()])
    description = StringField("Description", filters=[strip], validators=[Length(max=200)])
    stack_level = WholeNumberField("Stack level", default=0, validators=[InputRequired()])
    purpose = SelectField("Purpose", default=ChargingProfilePurposeType.tx_default_profile.value,
                          choices=_choices(ChargingProfilePurposeType))
    kind = SelectField("Kind", default=ChargingProfileKindType.relative.value,
                       choices=_choices(ChargingProfileKindType))
    recurrency = SelectField("Recurrency", default="", choices=[NONE, *_choices(RecurrencyKind)],
                             description="Recurring profiles only.")
    valid_from = LocalDateTimeField("Valid from", validators=[Optional()])
    valid_to = LocalDateTimeField("Valid to", validators=[Optional()])
    start_schedule = LocalDateTimeField("Schedule start", validators=[Optional()],
                                        description="Absolute and recurring profiles only.")
    duration = WholeNumberField("Duration (s)", validators=[Optional()])
    rate_unit = SelectField("Rate unit", choices=[SelectChoice("A", "A (amperes)"),
                                                  SelectChoice("W", "W (watts)")])
    min_charging_rate = DecimalField("Minimum charging rate", places=None,
                                     validators=[Optional()])
    periods = FieldList(FormField(PeriodForm), min_entries=1)
    note = TextAreaField("Note", filters=[strip], validators=[Length(max=2000)])

    def add_empty_rows(self) -> None:
        used = sum(1 for row in self.periods if not row.form.is_empty)
        while len(self.periods) < used + EMPTY_PERIOD_ROWS:
            self.periods.append_entry()

    def values(self) -> ProfileValues:
        """The typed values (after validate); the service checks what they mean."""
        periods = [row.form.period() for row in self.periods if not row.form.is_empty]
        return ProfileValues(
            charging_profile_id=self.charging_profile_id.data,
            stack_level=self.stack_level.data,
            purpose=ChargingProfilePurposeType(self.purpose.data),
            kind=ChargingProfileKindType(self.kind.data),
            rate_unit=ChargingRateUnitType(self.rate_unit.data),
            periods=periods,
            recurrency=_enum_or_none(RecurrencyKind, self.recurrency.data),
            valid_from=self.valid_from.data, valid_to=self.valid_to.data,
            duration=self.duration.data, start_schedule=self.start_schedule.data,
            min_charging_rate=self.min_charging_rate.data,
            description=self.description.data or "", note=self.note.data or "")


class InstallForm(FlaskForm):
    stations = SelectMultipleField("Stations", render_kw={"size": 6}, validators=[DataRequired(
        "Choose at least one station.")])
    connector_id = WholeNumberField("Connector", default=0, validators=[InputRequired()],
                                    description="0: the whole station.")


class RemoteStartForm(FlaskForm):
    station = SelectField("Station")
    connector_id = WholeNumberField("Connector", default=1,
                                    validators=[InputRequired(), NumberRange(min=1)])
    id_tag = StringField("Tag (idTag)", filters=[strip],
                         validators=[DataRequired(), Length(max=20)])


class ClearForm(FlaskForm):
    charging_profile_id = WholeNumberField("Profile id", validators=[Optional()],
                                           description="Given: that profile only.")
    connector_id = WholeNumberField("Connector", validators=[Optional()])
    purpose = SelectField("Purpose", default="", choices=[ANY, *_choices(
        ChargingProfilePurposeType)])
    stack_level = WholeNumberField("Stack level", validators=[Optional()])

    def criteria(self) -> ClearCriteria:
        return ClearCriteria(
            charging_profile_id=self.charging_profile_id.data,
            connector_id=self.connector_id.data,
            purpose=_enum_or_none(ChargingProfilePurposeType, self.purpose.data),
            stack_level=self.stack_level.data)


class CompositeScheduleForm(FlaskForm):
    connector_id = WholeNumberField("Connector", default=0, validators=[InputRequired()])
    duration = WholeNumberField("Duration (s)", default=3600, validators=[InputRequired()])
    rate_unit = SelectField("Rate unit", default="", choices=[
        SelectChoice("", "As the station likes"), *_choices(ChargingRateUnitType)])

    @property
    def chosen_rate_unit(self) -> ChargingRateUnitType | None:
        return _enum_or_none(ChargingRateUnitType, self.rate_unit.data)
