"""Forms of the Services pages: a service's values, with the fields of its kind."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.blueprints.stations.forms import strip
from portal.models import ServiceKind, ThirdPartyService
from portal.services import third_party

DESCRIPTION_LENGTH = 2000
SECRET_LENGTH = 500


class ServiceForm(FlaskForm):
    """A service's values; a webhook's events and a payment service's idTag only on the
    forms of those kinds. The secret is never filled in: empty on edit keeps it."""

    name = StringField("Name", filters=[strip], validators=[
        DataRequired("Enter a name."), Length(max=third_party.NAME_LENGTH)],
        description="Unique in the company; the topology CSV names its column after it.")
    provider = StringField("Provider", filters=[strip], validators=[
        Length(max=third_party.PROVIDER_LENGTH)],
        description="Who runs it: Nobil, Easypark, your own system…")
    description = TextAreaField("Description", validators=[Length(max=DESCRIPTION_LENGTH)])
    url = StringField("URL", filters=[strip], validators=[
        DataRequired("Enter the service's address."), Length(max=third_party.URL_LENGTH)],
        description="Where Plugboard sends (POSTs) the events, signed.")
    secret = PasswordField("Secret", validators=[Length(max=SECRET_LENGTH)],
                           description=f"At least {third_party.MIN_SECRET_LENGTH} characters; "
                                       "it signs the requests both ways.")
    events = SelectMultipleField(
        "Events", choices=[SelectChoice(event, event) for event in third_party.WEBHOOK_EVENTS],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description="The webhook is sent these events only.")
    id_tag = StringField("idTag", filters=[strip], validators=[
        Length(max=third_party.ID_TAG_LENGTH)],
        description="Its charging sessions start with this tag (added to the tags if new).")
    enabled = BooleanField("Enabled", default=True)

    def __init__(self, kind: ServiceKind, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind = kind
        if kind is not ServiceKind.WEBHOOK:
            del self.events
        if kind is not ServiceKind.PAYMENT:
            del self.id_tag

    @classmethod
    def of(cls, service: ThirdPartyService) -> ServiceForm:
        """The form filled with a service's values (not its secret), to edit them."""
        return cls(service.kind, formdata=None, data={
            "name": service.name, "provider": service.provider,
            "description": service.description, "url": service.url,
            "events": service.events, "id_tag": service.id_tag or "",
            "enabled": service.enabled})

    def values(self) -> third_party.ServiceValues:
        return third_party.ServiceValues(
            kind=self.kind, name=self.name.data, url=self.url.data,
            secret=self.secret.data or "", provider=self.provider.data,
            description=self.description.data or "",
            events=tuple(self.events.data or ()) if "events" in self else (),
            id_tag=self.id_tag.data if "id_tag" in self else "", enabled=self.enabled.data)


class ConfirmForm(FlaskForm):
    """The delete confirmation's button: the CSRF token only."""
