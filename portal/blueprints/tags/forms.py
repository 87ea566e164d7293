from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length

from portal.blueprints.stations.forms import ANY, FilterForm
from portal.services.tags import TagFilter


class TagFilterForm(FilterForm):
    text = StringField("Tag contains", filters=[lambda value: (value or "").strip()],
                       validators=[Length(max=20)])
    blocked = SelectField("Blocked", default="", choices=[
        ANY, SelectChoice("yes", "Blocked"), SelectChoice("no", "Not blocked")])

    def filters(self) -> TagFilter:
        self.validate()
        blocked = self.value("blocked")
        return TagFilter(text=self.value("text") or "",
                         blocked=None if blocked is None else blocked == "yes")


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])
