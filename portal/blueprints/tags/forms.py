"""Forms of the tags pages: the list's filters, a tag's values, the CSV import."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.blueprints.fields import LocalDateTimeField, WholeNumberField
from portal.blueprints.stations.forms import ANY, FilterForm, optional_int, strip
from portal.models import Tag, User
from portal.services.tag_csv import ImportMode
from portal.services.tags import MAX_ID_TAG_LENGTH, TagFilter, TagValues

YES_NO = [ANY, SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
NOBODY = SelectChoice("", "—")
MAX_NOTE_LENGTH = 2000


def _owner_choices(owners: list[User], first: SelectChoice) -> list[SelectChoice]:
    return [first] + [SelectChoice(str(user.id), user.email) for user in owners]


class TagFilterForm(FilterForm):
    text = StringField("Tag contains", filters=[strip],
                       validators=[Length(max=MAX_ID_TAG_LENGTH)])
    parent = StringField("Parent tag", filters=[strip],
                         validators=[Length(max=MAX_ID_TAG_LENGTH)])
    expired = SelectField("Expired", default="", choices=YES_NO)
    charging = SelectField("Charging now", default="", choices=YES_NO)
    blocked = SelectField("Blocked", default="", choices=[
        ANY, SelectChoice("yes", "Blocked"), SelectChoice("no", "Not blocked")])
    owner = SelectField("Owner", coerce=optional_int, default="", choices=[ANY])

    def __init__(self, formdata: Any, owners: list[User]) -> None:
        super().__init__(formdata)
        self.owner.choices = _owner_choices(owners, ANY)

    def filters(self) -> TagFilter:
        self.validate()
        return TagFilter(text=self.value("text") or "", parent=self.value("parent") or "",
                         expired=self._yes_no("expired"), charging=self._yes_no("charging"),
                         blocked=self._yes_no("blocked"), owner_id=self.value("owner"))

    def _yes_no(self, name: str) -> bool | None:
        value = self.value(name)
        return None if value is None else value == "yes"


class TagForm(FlaskForm):
    id_tag = StringField("Tag (idTag)", filters=[strip], validators=[
        DataRequired("Enter the idTag."), Length(max=MAX_ID_TAG_LENGTH)],
        description=f"At most {MAX_ID_TAG_LENGTH} characters, unique in any case.")
    parent = StringField("Parent tag", filters=[strip], validators=[
        Length(max=MAX_ID_TAG_LENGTH)],
        description="Optional: a blocked or expired parent blocks or expires this tag too.")
    expiry = LocalDateTimeField("Expires", validators=[Optional()],
                                description="Empty: never.")
    max_active = WholeNumberField("Max active sessions", default=1, validators=[
        InputRequired("Enter a whole number.")],
        description="0 blocks the tag; a negative number means no limit.")
    owner = SelectField("Owner (EV user)", coerce=optional_int, default="", choices=[NOBODY])
    note = TextAreaField("Note", validators=[Length(max=MAX_NOTE_LENGTH)])
    blocked = BooleanField("Blocked")

    def __init__(self, owners: list[User], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.owner.choices = _owner_choices(owners, NOBODY)

    @classmethod
    def of(cls, tag: Tag, owners: list[User]) -> TagForm:
        """The form filled with a tag's values, to edit them."""
        return cls(owners, formdata=None, data={
            "id_tag": tag.id_tag, "parent": tag.parent.id_tag if tag.parent else "",
            "expiry": tag.expiry_at, "max_active": tag.max_active_transactions,
            "owner": tag.owner_id, "note": tag.note, "blocked": tag.blocked})

    def values(self) -> TagValues:
        return TagValues(id_tag=self.id_tag.data, parent_id_tag=self.parent.data,
                         expiry_at=self.expiry.data,
                         max_active_transactions=self.max_active.data,
                         blocked=self.blocked.data, note=self.note.data or "",
                         owner_id=self.owner.data)


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])
    mode = RadioField("Mode", default=ImportMode.UPDATE.value, choices=[
        SelectChoice(ImportMode.UPDATE.value, "Add and update: delete nothing"),
        SelectChoice(ImportMode.REPLACE.value,
                     "Replace: also delete the tags the file does not name (shown first)"),
    ])


class ReplaceForm(FlaskForm):
    """The confirmation of a Replace import: the previewed file again (base64, so that its
    bytes come back exactly) and the digest of the tags the preview said it would remove."""

    content = HiddenField(validators=[DataRequired()])
    removal_key = HiddenField(validators=[DataRequired()])

    def validate_content(self, field: HiddenField) -> None:
        try:
            base64.b64decode(field.data, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("The file did not come back whole: import it again.") from None

    @property
    def file_content(self) -> bytes:
        return base64.b64decode(self.content.data)

    @classmethod
    def of(cls, content: bytes, removal_key: str) -> ReplaceForm:
        return cls(formdata=None, data={"content": base64.b64encode(content).decode(),
                                        "removal_key": removal_key})


class ConfirmForm(FlaskForm):
    """The delete confirmation's button: the CSRF token only."""
