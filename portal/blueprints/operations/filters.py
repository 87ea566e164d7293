"""The operations history's filter bar."""

from __future__ import annotations

from typing import Any

from wtforms import DataList, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.blueprints.fields import LocalDateTimeField
from portal.blueprints.stations.forms import ANY, FilterForm, optional_int, strip
from portal.models import CommandOutcome, User
from portal.services.operations import CommandFilter
from portal.services.remote_operations import ACTIONS


class CommandFilterForm(FilterForm):
    charge_box_id = StringField("Station (chargeBoxId)", filters=[strip],
                                validators=[Length(max=255)])
    action = StringField("Operation", filters=[strip], validators=[Length(max=50)],
                         datalist=DataList(ACTIONS))
    user = SelectField("Sent by", coerce=optional_int, choices=[ANY], default="")
    outcome = SelectField("Outcome", default="", choices=[ANY] + [
        SelectChoice(outcome.value, outcome.value.capitalize()) for outcome in CommandOutcome])
    since = LocalDateTimeField("From", validators=[Optional()], render_kw={"step": 1})
    until = LocalDateTimeField("To", validators=[Optional()], render_kw={"step": 1})

    def __init__(self, formdata: Any, issuers: list[User]) -> None:
        super().__init__(formdata)
        self.user.choices = [ANY] + [SelectChoice(str(user.id), user.email) for user in issuers]

    def filters(self) -> CommandFilter:
        self.validate()
        outcome = self.value("outcome")
        return CommandFilter(
            charge_box_id=self.value("charge_box_id") or "",
            action=self.value("action"),
            user_id=self.value("user"),
            outcome=CommandOutcome(outcome) if outcome else None,
            since=self.value("since"),
            until=self.value("until"),
        )
