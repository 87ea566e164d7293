from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=200)],
        description="At least 8 characters, with letters and digits.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )


class AlarmMailForm(FlaskForm):
    daily = BooleanField("E-mail at alarm: a daily digest of the active alarms I can see")
    at_once = BooleanField("Also at once for each critical alarm (at most one e-mail per "
                           "station and hour)")


class NameForm(FlaskForm):
    first_name = StringField("First name")
    last_name = StringField("Last name")
