"""Forms of the settings pages. They read types (a number, a choice, a file); the rules
(lengths, ranges, unique names) are the services', whose errors land on the same fields."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from ocpp.v16.enums import RegistrationStatus
from wtforms import BooleanField, FloatField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.errors import DomainError, Invalid
from portal.models import Availability, OutletMode
from portal.services.outlets import CONNECTOR_TYPES


def strip(value: object) -> str:
    """Text as typed, without surrounding blanks (a number shown from the model included)."""
    return "" if value is None else str(value).strip()


def _value_of(choice: Any) -> str:
    """A choice as the form sends it: an enum's value (the models keep enums)."""
    return getattr(choice, "value", choice)


def _coordinate(label: str) -> FloatField:
    return FloatField(label, validators=[Optional()],
                      render_kw={"inputmode": "decimal", "autocomplete": "off"})


class CompanyForm(FlaskForm):
    name = StringField("Name", filters=[strip])
    description = TextAreaField("Description", filters=[strip], render_kw={"rows": 2})
    time_zone = StringField("Time zone", filters=[strip],
                            render_kw={"list": "time-zones", "autocomplete": "off"},
                            description="Times on the pages and in reports are shown in it.")
    auto_register_stations = BooleanField("Unknown stations register themselves (as Pending)")
    allow_stations_without_key = BooleanField(
        "Stations may connect without an authorization key (OCPP security profile 0)")
    data_transfer_vendor_ids = TextAreaField(
        "DataTransfer vendorIds", render_kw={"rows": 3},
        description="One a line (or separated by commas). DataTransfer from other vendors is "
                    "answered UnknownVendorId.")
    drivers_add_cards = BooleanField(
        "EV drivers may add their own card by its number",
        description="Only a card the company has registered, that belongs to no one and is not "
                    "blocked.")
    heartbeat_interval = StringField(
        "Default heartbeat interval (seconds)", filters=[strip],
        render_kw={"inputmode": "numeric"},
        description="Answered to the BootNotification of stations without one of their own.")
    no_contact_intervals = StringField(
        "No network contact after (heartbeat intervals)", filters=[strip],
        render_kw={"inputmode": "numeric"},
        description="A station not heard for this many of its heartbeat intervals (and at "
                    "least 15 minutes) raises the alarm.")
    fault_grace_seconds = StringField(
        "Fault grace period (seconds)", filters=[strip], render_kw={"inputmode": "numeric"},
        description="A connector's fault raises an alarm only once it has lasted this long: "
                    "one that boots Faulted and recovers at once raises nothing.")
    digest_time = StringField(
        "Daily alarm digest at", filters=[strip], render_kw={"type": "time"},
        description="Local time; users with e-mail at alarm get the active alarms they can "
                    "see.")
    require_two_factor = BooleanField(
        "Staff must log in with a second factor (an authenticator app's code)",
        description="Administrators, site administrators and support without one set it up "
                    "right after their password, and can do nothing else until then.")
    default_configuration = TextAreaField(
        "Default configuration", render_kw={"rows": 5, "spellcheck": "false"},
        description="Key=Value lines, sent to each station at its first accepted boot, e.g. "
                    "MeterValueSampleInterval=60.")


class SiteForm(FlaskForm):
    name = StringField("Name", filters=[strip])
    address = TextAreaField("Address", filters=[strip], render_kw={"rows": 2})
    latitude = _coordinate("Latitude")
    longitude = _coordinate("Longitude")


class FloorForm(FlaskForm):
    name = StringField("Name", filters=[strip])
    floor_map = FileField("Floor map", render_kw={"accept": "image/png,image/jpeg"},
                          description="A JPEG or PNG image of at most 2 MB; leave empty to "
                                      "keep the current one.")


class StationForm(FlaskForm):
    name = StringField("Name", filters=[strip])
    description = TextAreaField("Description", filters=[strip], render_kw={"rows": 2})
    heartbeat_interval = StringField(
        "Heartbeat interval (seconds)", filters=[strip], render_kw={"inputmode": "numeric"},
        description="Empty: the company's default. The station learns it at its next boot.")
    rated_power_kw = StringField(
        "Rated power (kW)", filters=[strip], render_kw={"inputmode": "decimal"},
        description="The most the station delivers, from 0.1 to 1000 kW; empty: not known. "
                    "A session with more energy than it allows in its time is up for review.")
    availability = SelectField("Availability", coerce=_value_of, choices=[
        SelectChoice(Availability.PUBLIC.value, "Public: drivers outside the company see it"),
        SelectChoice(Availability.PRIVATE.value, "Private")])
    registration_status = SelectField(
        "Registration", coerce=_value_of,
        choices=[SelectChoice(status.value) for status in RegistrationStatus],
        description="The station learns it at its next BootNotification.")
    active = BooleanField("Active", description="Untick while the station is decommissioned "
                          "or under repair: it raises no alarm and is left out of digests and "
                          "availability figures.")
    note = TextAreaField("Note", filters=[strip], render_kw={"rows": 2})
    address = TextAreaField("Address", filters=[strip], render_kw={"rows": 2})
    latitude = _coordinate("Latitude")
    longitude = _coordinate("Longitude")


class AuthKeyForm(FlaskForm):
    auth_key = StringField(
        "New key", filters=[strip], render_kw={"autocomplete": "off", "spellcheck": "false"},
        description="Leave empty to generate one. 16 to 40 printable characters without "
                    "spaces. Stored at once: the station must present it from its next "
                    "connection, so give it to the station too.")


class OutletForm(FlaskForm):
    connector_type = SelectField("Connector type", choices=[
        SelectChoice("", "—"), *(SelectChoice(kind) for kind in CONNECTOR_TYPES)])
    parking_label = StringField("Parking label", filters=[strip],
                                description="As painted on the parking space, e.g. P12.")
    mode = SelectField("Mode", coerce=_value_of, choices=[
        SelectChoice(OutletMode.RFID.value, "RFID: charging needs an authorized tag"),
        SelectChoice(OutletMode.OPEN.value, "OPEN: charging starts when a car plugs in")])


EXTERNAL_ID_PREFIX = "external_id-"


def external_ids(formdata: Any) -> dict[int, str]:
    """The outlet's ids at the company's services, from inputs named external_id-<service id>
    (a name with no usable id is the service's to refuse: it names no service)."""
    found: dict[int, str] = {}
    for name, value in formdata.items():
        if name.startswith(EXTERNAL_ID_PREFIX):
            number = name.removeprefix(EXTERNAL_ID_PREFIX)
            usable = number.isascii() and number.isdigit() and len(number) <= 10
            found[int(number) if usable else 0] = value
    return found


def refuse(form: FlaskForm, error: DomainError) -> int:
    """Show a service's refusal next to its field; the answer's status."""
    field = getattr(form, error.field or "", None)
    if field is None:
        form.form_errors.append(str(error))
    else:
        field.errors = [*field.errors, str(error)]
    # A form that asks for something wrong is a bad request; other refusals keep theirs.
    return 400 if isinstance(error, Invalid) else error.status
