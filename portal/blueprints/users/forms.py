"""Forms of the users pages: the table's filters and a user's values, one form per role."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from portal.blueprints.stations.forms import ANY, FilterForm, optional_int, strip
from portal.models import Role, Site, User
from portal.services import rfid
from portal.services import user_management as management
from portal.services.rfid import RfidFormat
from portal.services.user_list import DEFAULT_SORT, SORTS, UserFilter
from portal.services.user_management import UserValues

NO_SITE = SelectChoice("", "—")
TEXT_FILTER = dict(filters=[strip], validators=[Length(max=254)])


def _site_choices(sites: list[Site], first: SelectChoice) -> list[SelectChoice]:
    return [first] + [SelectChoice(str(site.id), site.name) for site in sites]


class UserFilterForm(FilterForm):
    email = StringField("E-mail", **TEXT_FILTER)
    first_name = StringField("First name", **TEXT_FILTER)
    last_name = StringField("Last name", **TEXT_FILTER)
    role = SelectField("Role", default="", choices=[ANY] + [
        SelectChoice(role.value, role.label) for role in management.ROLE_FIELDS])
    rfid = StringField("RFID", **TEXT_FILTER)
    site = SelectField("Site", coerce=optional_int, default="", choices=[ANY])
    parking = StringField("Parking", **TEXT_FILTER)
    sort = SelectField("Sort", default=DEFAULT_SORT, choices=[
        SelectChoice(key) for name in SORTS for key in (name, f"-{name}")])

    def __init__(self, formdata: Any, sites: list[Site]) -> None:
        super().__init__(formdata)
        self.site.choices = _site_choices(sites, ANY)

    def filters(self) -> UserFilter:
        self.validate()
        role = self.value("role")
        return UserFilter(email=self.value("email") or "",
                          first_name=self.value("first_name") or "",
                          last_name=self.value("last_name") or "",
                          role=Role(role) if role else None, rfid=self.value("rfid") or "",
                          site_id=self.value("site"), parking=self.value("parking") or "")

    def sorting(self) -> str:
        return self.value("sort") or DEFAULT_SORT

    @property
    def is_filtering(self) -> bool:
        return any(self.value(name) is not None for name in self._fields if name != "sort")


class UserForm(FlaskForm):
    """Names, e-mail and password: what every role has. A password is needed to add a
    user; when editing, an empty one keeps theirs."""

    first_name = StringField("First name", filters=[strip],
                             validators=[Length(max=management.MAX_NAME_LENGTH)])
    last_name = StringField("Last name", filters=[strip],
                            validators=[Length(max=management.MAX_NAME_LENGTH)])
    email = EmailField("E-mail", filters=[strip], validators=[
        DataRequired("Enter the e-mail address."), Length(max=254)])
    password = PasswordField("Password", validators=[Length(max=200)])

    def __init__(self, sites: list[Site], user: User | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user = user
        self.password.description = ("Empty: unchanged. A new password ends their logins."
                                     if user else "At least 8 characters, letters and digits.")
        if "site" in self:
            self.site.choices = _site_choices(sites, self.site_first)

    def validate_password(self, field: PasswordField) -> None:
        if self.user is None and not field.data:
            field.errors.append("Enter a password.")

    def values(self) -> UserValues:
        return UserValues(
            email=self.email.data, first_name=self.first_name.data,
            last_name=self.last_name.data, password=self.password.data or "",
            site_id=self.site.data if "site" in self else None,
            parking_label=self.parking_label.data if "parking_label" in self else "",
            email_on_alarm=self.email_on_alarm.data if "email_on_alarm" in self else False)

    def cards(self) -> tuple[str, ...]:
        """The cards to give (stored idTags): EV users only."""
        return ()

    @property
    def moves_cards(self) -> bool:
        """Whether a card another person holds is moved to this user."""
        return False

    def fill(self, user: User) -> None:
        """Show a user's values (the password stays empty)."""
        for name in ("first_name", "last_name", "email", "parking_label", "email_on_alarm"):
            if name in self:
                self[name].data = getattr(user, name)
        if "site" in self:
            self.site.data = user.site_id


class AdministratorForm(UserForm):
    email_on_alarm = BooleanField("E-mail at alarm")


class SiteAdministratorForm(AdministratorForm):
    site_first = SelectChoice("", "Choose a site")
    site = SelectField("Site", coerce=optional_int, default="", choices=[],
                       validators=[DataRequired("Choose the site.")])


class SupportForm(UserForm):
    pass


class EvUserForm(UserForm):
    site_first = NO_SITE
    site = SelectField("Site", coerce=optional_int, default="", choices=[],
                       validators=[Optional()])
    parking_label = StringField("Parking", filters=[strip], validators=[
        Length(max=management.MAX_PARKING_LENGTH)])
    rfid = StringField("RFID number", filters=[strip], validators=[Length(max=64)],
                       description="Optional: a card to give this person. Separators "
                                   "(spaces, colons, dashes) are ignored.")
    rfid_format = RadioField("RFID typed in", default=RfidFormat.HEX.value, choices=[
        SelectChoice(RfidFormat.HEX.value, "hex"),
        SelectChoice(RfidFormat.DECIMAL.value, "decimal")])
    move_card = BooleanField("Move it to this person if someone else holds it")

    def cards(self) -> tuple[str, ...]:
        if not self.rfid.data:
            return ()
        return (rfid.normalise(self.rfid.data, RfidFormat(self.rfid_format.data)),)

    @property
    def moves_cards(self) -> bool:
        return bool(self.move_card.data)


FORMS: dict[Role, type[UserForm]] = {
    Role.ADMIN: AdministratorForm, Role.SITE_ADMIN: SiteAdministratorForm,
    Role.SUPPORT: SupportForm, Role.EV_USER: EvUserForm,
}


class ConfirmForm(FlaskForm):
    """A confirmation's button: the CSRF token only."""
