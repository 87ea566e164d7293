"""The Customise form: a checkbox per widget to show it, and a position number to order it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice, SelectMultipleField, SubmitField
from wtforms.validators import NumberRange, Optional

from portal.blueprints.fields import WholeNumberField
from portal.services.dashboard import Widget


def position_field_name(widget: Widget) -> str:
    return f"position_{widget.name.lower()}"


class WidgetsForm(FlaskForm):
    # Any value is taken here: which names are widgets is the service's rule (Invalid).
    widgets = SelectMultipleField("Shown widgets", validate_choice=False, choices=[
        SelectChoice(widget.value, widget.label) for widget in Widget])
    save = SubmitField("Save")
    reset = SubmitField("Reset to default")

    @classmethod
    def of(cls, shown: list[Widget]) -> WidgetsForm:
        """The form filled with the user's widgets: the shown ones first, in their order."""
        order = shown + [widget for widget in Widget if widget not in shown]
        data = {position_field_name(widget): index for index, widget in enumerate(order, 1)}
        return cls(formdata=None, widgets=[widget.value for widget in shown], **data)

    def position(self, widget: Widget) -> Field:
        return self[position_field_name(widget)]

    def rows(self) -> list[Widget]:
        """The widgets in the order of their position numbers (unnumbered last)."""
        numbered = [(self.position(widget).data, index, widget)
                    for index, widget in enumerate(Widget)]
        return [widget for *_, widget in sorted(
            numbered, key=lambda row: (row[0] is None, row[0] or 0, row[1]))]

    def chosen(self) -> list[str]:
        """The names ticked, ordered by their widgets' positions; names of no widget last."""
        rank = {widget.value: index for index, widget in enumerate(self.rows())}
        return sorted(self.widgets.data or [], key=lambda name: rank.get(name, len(rank)))


for _widget in Widget:
    setattr(WidgetsForm, position_field_name(_widget), WholeNumberField(
        f"Position of {_widget.label}", validators=[Optional(), NumberRange(min=1, max=99)]))
