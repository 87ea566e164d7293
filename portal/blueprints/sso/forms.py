from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.services import sso


class ProviderForm(FlaskForm):
    name = StringField("Provider name", validators=[DataRequired(), Length(max=sso.NAME_LENGTH)],
                       description="Shown on the login page: “Log in with <name>”.")
    issuer = StringField(
        "Issuer", validators=[DataRequired(), Length(max=sso.URL_LENGTH)],
        description="Its address, such as https://accounts.google.com; Plugboard reads its "
                    "discovery document when you save.")
    client_id = StringField("Client id",
                            validators=[DataRequired(), Length(max=sso.URL_LENGTH)])
    client_secret = PasswordField("Client secret",
                                  validators=[Length(max=sso.SECRET_LENGTH)])
    enabled = BooleanField("Enabled: the login page offers it")
    create_ev_users = BooleanField(
        "Create an EV user at the first login of an unknown e-mail address (never staff)")
