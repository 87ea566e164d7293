"""Forms of the configuration pages; values are checked by the configuration service."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

from portal.services.configuration_keys import MAX_KEY_LENGTH, MAX_VALUE_LENGTH


def _strip(value: str | None) -> str:
    return (value or "").strip()


class ChangeForm(FlaskForm):
    key = StringField("Key", filters=[_strip],
                      validators=[DataRequired(), Length(max=MAX_KEY_LENGTH)],
                      render_kw={"list": "standard-keys", "autocomplete": "off"},
                      description="A standard OCPP key or the station's own (vendor) key.")
    value = StringField("Value", filters=[_strip], validators=[Length(max=MAX_VALUE_LENGTH)],
                        render_kw={"autocomplete": "off"})


class ApplyForm(ChangeForm):
    stations = SelectMultipleField(
        "Stations", validators=[DataRequired(message="Choose at least one station.")],
        widget=widgets.ListWidget(prefix_label=False), option_widget=widgets.CheckboxInput(),
        description="Offline stations answer 'offline': nothing is sent to them.")


class AuthKeyForm(FlaskForm):
    auth_key = StringField(
        "New key", filters=[_strip],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
        description="Leave empty to generate one. 16 to 40 printable characters without "
                    "spaces; the station receives it hex-encoded in ChangeConfiguration "
                    "AuthorizationKey.")
