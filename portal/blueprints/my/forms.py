from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.blueprints.settings.forms import strip


class AddCardForm(FlaskForm):
    id_tag = StringField("Card number", filters=[strip],
                         validators=[DataRequired(message="Type the number on your card."),
                                     Length(max=64, message="A card number has at most 64 "
                                                            "characters.")],
                         description="As printed on the card, in hex or in decimal. "
                                     "Separators (spaces, colons, dashes) are ignored.")
