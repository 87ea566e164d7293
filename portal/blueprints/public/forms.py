from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class FindCompanyForm(FlaskForm):
    company = StringField("Company", validators=[DataRequired(), Length(max=63)],
                          description="The short name your company uses in Plugboard.")
