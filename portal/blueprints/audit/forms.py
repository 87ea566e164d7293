"""The audit log's filters: a GET form whose values stay in the URL."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.blueprints.fields import LocalDateTimeField
from portal.blueprints.stations.forms import ANY, FilterForm, strip
from portal.services.audit import ACTIONS
from portal.services.audit_log import AuditFilter


class AuditFilterForm(FilterForm):
    actor = StringField("Who", filters=[strip], validators=[Length(max=255)])
    action = SelectField("Action", default="", choices=[ANY] + [
        SelectChoice(action) for action in ACTIONS])
    target_kind = SelectField("Target", default="", choices=[ANY])
    # Bounded: the text is searched in every entry the other filters leave.
    text = StringField("Text", filters=[strip], validators=[Length(max=200)])
    since = LocalDateTimeField("From", validators=[Optional()], render_kw={"step": 1})
    until = LocalDateTimeField("To", validators=[Optional()], render_kw={"step": 1})

    def __init__(self, formdata: object, target_kinds: list[str]) -> None:
        super().__init__(formdata)
        self.target_kind.choices = [ANY] + [SelectChoice(kind) for kind in target_kinds]

    def filters(self) -> AuditFilter:
        self.validate()
        return AuditFilter(
            actor=self.value("actor") or "",
            action=self.value("action") or "",
            target_kind=self.value("target_kind") or "",
            text=self.value("text") or "",
            since=self.value("since"),
            until=self.value("until"),
        )
