"""Forms of the firmware and diagnostics pages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import g
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

TIME_FORMAT = "%Y-%m-%dT%H:%M"


def in_company_zone(moment: datetime | None) -> datetime | None:
    """A time typed on a page, read in the company's time zone as staff see it there."""
    return moment.replace(tzinfo=ZoneInfo(g.tenant.time_zone)) if moment else None


class ImageUploadForm(FlaskForm):
    file = FileField("Firmware image", validators=[FileRequired("Choose a file to upload.")])


class DeleteForm(FlaskForm):
    """Only the CSRF token: a button that deletes."""


class RetryForm(FlaskForm):
    retries = IntegerField("Retries", validators=[Optional()],
                           description="Empty = as the station decides.")
    retry_interval = IntegerField("Retry interval (seconds)", validators=[Optional()],
                                  description="Empty = as the station decides.")


class UpdateFirmwareForm(RetryForm):
    image = SelectField("Firmware image", coerce=int)
    retrieve_date = DateTimeLocalField("Retrieve date", format=TIME_FORMAT,
                                       validators=[Optional()], description="Empty = now.")


class UpdateManyForm(UpdateFirmwareForm):
    stations = SelectMultipleField("Stations", widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput())


class GetDiagnosticsForm(RetryForm):
    start_time = DateTimeLocalField("Start time", format=TIME_FORMAT, validators=[Optional()],
                                    description="Empty = the oldest the station has.")
    stop_time = DateTimeLocalField("Stop time", format=TIME_FORMAT, validators=[Optional()],
                                   description="Empty = up to now.")
