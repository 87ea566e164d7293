"""One form per remote operation: its parameters, checked, turned into the OCPP payload.

The station control panel and the operations page use the same forms; the payload each
builds is checked once more (the OCPP schema and the action's own rules) by the
remote-operations service before it leaves.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_wtf import FlaskForm
from ocpp.v16.enums import (
    AvailabilityType,
    ChargingProfilePurposeType,
    ChargingRateUnitType,
    MessageTrigger,
    ResetType,
)
from wtforms import (
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from portal.blueprints.fields import LocalDateTimeField, WholeNumberField
from portal.blueprints.stations.forms import optional_int, strip
from portal.models.base import utcnow
from portal.services import charging_profiles, diagnostics, firmware
from portal.services.charging_profiles import ProfileFilter

NONE = SelectChoice("", "—")


def _choices(enum: Any) -> list[SelectChoice]:
    return [SelectChoice(member.value) for member in enum]


def _connector(label: str = "Connector", *, required: bool = True, minimum: int = 1,
               default: int | None = None) -> WholeNumberField:
    first = [InputRequired()] if required else [Optional()]
    return WholeNumberField(label, default=default,
                            validators=[*first, NumberRange(min=minimum, max=999)])


def _seconds(label: str, *, minimum: int = 0) -> WholeNumberField:
    return WholeNumberField(label, validators=[Optional(), NumberRange(min=minimum)])


def _moment(label: str) -> LocalDateTimeField:
    return LocalDateTimeField(label, validators=[Optional()])



def _location(label: str) -> URLField:
    # Stations fetch and upload over HTTP(S) or FTP(S); FTP URLs often carry user:password.
    return URLField(label, filters=[strip], validators=[
        InputRequired(), Length(max=2_000),
        URL(require_tld=False, allow_userinfo=True, schemes=("http", "https", "ftp", "ftps")),
    ])


def _without_empty(payload: dict[str, Any]) -> dict[str, Any]:
    """Leave out optional fields left empty: OCPP wants them absent, not null."""
    return {key: value for key, value in payload.items() if value not in (None, "", [])}


class OperationForm(FlaskForm):
    """The parameters of one OCPP operation."""

    action: ClassVar[str]
    title: ClassVar[str]
    # Only for one station at a time: its parameters name a session or reservation there.
    single_station: ClassVar[bool] = False

    def payload(self) -> dict[str, Any]:
        return {}


class ResetForm(OperationForm):
    action, title = "Reset", "Reset"
    type = SelectField("Type", choices=_choices(ResetType), default=ResetType.soft.value)

    def payload(self) -> dict[str, Any]:
        return {"type": self.type.data}


class ChangeAvailabilityForm(OperationForm):
    action, title = "ChangeAvailability", "Change availability"
    connector_id = _connector("Connector (0 = the whole station)", minimum=0, default=0)
    type = SelectField("Availability", choices=_choices(AvailabilityType),
                       default=AvailabilityType.inoperative.value)

    def payload(self) -> dict[str, Any]:
        return {"connectorId": self.connector_id.data, "type": self.type.data}


class ClearCacheForm(OperationForm):
    action, title = "ClearCache", "Clear the authorization cache"


class GetLocalListVersionForm(OperationForm):
    action, title = "GetLocalListVersion", "Get the local list version"


class DataTransferForm(OperationForm):
    action, title = "DataTransfer", "Data transfer"
    vendor_id = StringField("Vendor id", filters=[strip],
                            validators=[InputRequired(), Length(max=255)])
    message_id = StringField("Message id", filters=[strip], validators=[Length(max=50)])
    data = TextAreaField("Data", validators=[Length(max=10_000)])

    def payload(self) -> dict[str, Any]:
        return _without_empty({"vendorId": self.vendor_id.data,
                               "messageId": self.message_id.data, "data": self.data.data})


class GetConfigurationForm(OperationForm):
    action, title = "GetConfiguration", "Get configuration"
    keys = StringField("Keys (comma-separated; empty for all)", filters=[strip],
                       validators=[Length(max=2_000), Regexp(r"^[^,]{0,50}(,[^,]{0,50})*$",
                                   message="Each key has at most 50 characters.")])

    def payload(self) -> dict[str, Any]:
        keys = [key.strip() for key in self.keys.data.split(",") if key.strip()]
        return _without_empty({"key": keys})


class ChangeConfigurationForm(OperationForm):
    action, title = "ChangeConfiguration", "Change configuration"
    key = StringField("Key", filters=[strip], validators=[InputRequired(), Length(max=50)])
    value = StringField("Value", filters=[strip], validators=[InputRequired(), Length(max=500)])

    def payload(self) -> dict[str, Any]:
        return {"key": self.key.data, "value": self.value.data}


class RemoteStartTransactionForm(OperationForm):
    action, title = "RemoteStartTransaction", "Remote start"
    connector_id = _connector("Connector (empty: the station chooses)", required=False)
    id_tag = StringField("Tag", filters=[strip], validators=[InputRequired(), Length(max=20)])
    charging_profile = SelectField("Charging profile (a TxProfile, optional)",
                                   coerce=optional_int, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tx_profiles = charging_profiles.listed(
            ProfileFilter(purpose=ChargingProfilePurposeType.tx_profile))
        self.charging_profile.choices = [NONE] + [
            SelectChoice(str(profile.charging_profile_id),
                         f"{profile.charging_profile_id} {profile.description}".strip())
            for profile in tx_profiles]

    def payload(self) -> dict[str, Any]:
        chosen = self.charging_profile.data
        profile = charging_profiles.get(chosen) if chosen is not None else None
        return charging_profiles.remote_start_payload(self.id_tag.data, self.connector_id.data,
                                                      profile)


class RemoteStopTransactionForm(OperationForm):
    action, title = "RemoteStopTransaction", "Remote stop"
    single_station = True
    transaction_id = WholeNumberField("Transaction", validators=[InputRequired()])

    def payload(self) -> dict[str, Any]:
        return {"transactionId": self.transaction_id.data}


class UnlockConnectorForm(OperationForm):
    action, title = "UnlockConnector", "Unlock connector"
    connector_id = _connector(default=1)

    def payload(self) -> dict[str, Any]:
        return {"connectorId": self.connector_id.data}


class TriggerMessageForm(OperationForm):
    action, title = "TriggerMessage", "Trigger message"
    requested_message = SelectField("Message", choices=_choices(MessageTrigger),
                                    default=MessageTrigger.status_notification.value)
    connector_id = _connector("Connector (empty: the station or all)", required=False)

    def payload(self) -> dict[str, Any]:
        return _without_empty({"requestedMessage": self.requested_message.data,
                               "connectorId": self.connector_id.data})


class CancelReservationForm(OperationForm):
    action, title = "CancelReservation", "Cancel reservation"
    single_station = True
    reservation_id = WholeNumberField("Reservation id", validators=[InputRequired()])

    def payload(self) -> dict[str, Any]:
        return {"reservationId": self.reservation_id.data}


class ClearChargingProfileForm(OperationForm):
    action, title = "ClearChargingProfile", "Clear charging profiles"
    profile_id = WholeNumberField("Profile id (empty: by the criteria below)",
                                  validators=[Optional()])
    connector_id = _connector("Connector (0 = the whole station)", required=False, minimum=0)
    purpose = SelectField("Purpose", choices=[NONE, *_choices(ChargingProfilePurposeType)],
                          default="")
    stack_level = WholeNumberField("Stack level", validators=[Optional(), NumberRange(min=0)])

    def payload(self) -> dict[str, Any]:
        return _without_empty({"id": self.profile_id.data, "connectorId": self.connector_id.data,
                               "chargingProfilePurpose": self.purpose.data,
                               "stackLevel": self.stack_level.data})


class GetCompositeScheduleForm(OperationForm):
    action, title = "GetCompositeSchedule", "Get the composite schedule"
    connector_id = _connector("Connector (0 = the station's grid connection)", minimum=0,
                              default=0)
    duration = WholeNumberField("Duration (seconds)", default=86_400,
                                validators=[InputRequired(), NumberRange(min=1)])
    rate_unit = SelectField("Rate unit", choices=[NONE, *_choices(ChargingRateUnitType)],
                            default="")

    def payload(self) -> dict[str, Any]:
        return _without_empty({"connectorId": self.connector_id.data,
                               "duration": self.duration.data,
                               "chargingRateUnit": self.rate_unit.data})


class GetDiagnosticsForm(OperationForm):
    action, title = "GetDiagnostics", "Get diagnostics"
    location = _location("Upload to (directory URL)")
    retries = _seconds("Retries")
    retry_interval = _seconds("Retry interval (seconds)")
    start_time = _moment("Oldest entry")
    stop_time = _moment("Newest entry")

    def validate_stop_time(self, field: LocalDateTimeField) -> None:
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError("The newest entry must come after the oldest.")

    def payload(self) -> dict[str, Any]:
        return diagnostics.request_payload(self.location.data, self.start_time.data,
                                           self.stop_time.data, self.retries.data,
                                           self.retry_interval.data)


class UpdateFirmwareForm(OperationForm):
    action, title = "UpdateFirmware", "Update firmware"
    location = _location("Firmware URL")
    retrieve_date = _moment("Retrieve at (empty: now)")
    retries = _seconds("Retries")
    retry_interval = _seconds("Retry interval (seconds)")

    def payload(self) -> dict[str, Any]:
        return firmware.update_payload(self.location.data, self.retrieve_date.data or utcnow(),
                                       self.retries.data, self.retry_interval.data)


FORMS: dict[str, type[OperationForm]] = {form.action: form for form in (
    ResetForm, ChangeAvailabilityForm, UnlockConnectorForm, RemoteStartTransactionForm,
    RemoteStopTransactionForm, TriggerMessageForm, ClearCacheForm, GetConfigurationForm,
    ChangeConfigurationForm, DataTransferForm, GetLocalListVersionForm, CancelReservationForm,
    ClearChargingProfileForm, GetCompositeScheduleForm, GetDiagnosticsForm, UpdateFirmwareForm,
)}
