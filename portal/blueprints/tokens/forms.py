from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from portal.models import Role
from portal.services.api_tokens import TOKEN_ROLES


class NewTokenForm(FlaskForm):
    name = StringField("Name", filters=[lambda value: (value or "").strip()],
                       validators=[DataRequired(), Length(max=100)],
                       description="What the token is for, e.g. the energy platform's name.")
    role = SelectField("Acts as", default=Role.ADMIN.value,
                       choices=[SelectChoice(role.value, role.label) for role in TOKEN_ROLES],
                       description="The token may do what this role may: a monitor reads "
                                   "stations and transactions and sends no command.")
