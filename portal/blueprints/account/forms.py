from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in")


class NewPasswordForm(FlaskForm):
    """A new password, typed twice (from a reset link)."""

    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=200)],
        description="At least 8 characters, with letters and digits.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])


class AlarmMailForm(FlaskForm):
    daily = BooleanField("E-mail at alarm: a daily digest of the active alarms I can see")
    at_once = BooleanField("Also at once for each critical alarm (at most one e-mail per "
                           "station and hour)")


class NameForm(FlaskForm):
    first_name = StringField("First name")
    last_name = StringField("Last name")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])


class ChangeEmailForm(FlaskForm):
    new_email = EmailField("New e-mail address", validators=[DataRequired(), Length(max=254)],
                           description="We send a link there; your address changes once you "
                                       "open it.")
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=200)])


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
                       description="The 6 digits your authenticator app shows, or one of your "
                                   "recovery codes.")


class EnrolForm(FlaskForm):
    code = StringField("Code from the app", validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class PasswordConfirmForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=200)])
