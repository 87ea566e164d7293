"""Forms of the firmware and diagnostics pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.blueprints.fields import LocalDateTimeField, WholeNumberField

TIME_FORMAT = "%Y-%m-%dT%H:%M"


class ImageUploadForm(FlaskForm):
    file = FileField("Firmware image", validators=[FileRequired("Choose a file to upload.")])


class DeleteForm(FlaskForm):
    """Only the CSRF token: a button that deletes."""


class RetryForm(FlaskForm):
    retries = WholeNumberField("Retries", validators=[Optional()],
                               description="Empty = as the station decides.")
    retry_interval = WholeNumberField("Retry interval (seconds)", validators=[Optional()],
                                      description="Empty = as the station decides.")


class UpdateFirmwareForm(RetryForm):
    image = SelectField("Firmware image", coerce=int)
    retrieve_date = LocalDateTimeField("Retrieve date", format=TIME_FORMAT,
                                       validators=[Optional()], description="Empty = now.")


class UpdateManyForm(UpdateFirmwareForm):
    stations = SelectMultipleField("Stations", widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput())


class GetDiagnosticsForm(RetryForm):
    start_time = LocalDateTimeField("Start time", format=TIME_FORMAT, validators=[Optional()],
                                    description="Empty = the oldest the station has.")
    stop_time = LocalDateTimeField("Stop time", format=TIME_FORMAT, validators=[Optional()],
                                   description="Empty = up to now.")
