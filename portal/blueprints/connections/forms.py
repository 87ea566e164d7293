from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length


def _strip(value: str | None) -> str:
    return (value or "").strip()


class AddStationForm(FlaskForm):
    # Checked by the service, which says why (OCPP security profiles). Shown as typed, not
    # hidden: the same key has to be set on the station, so staff copy it from here.
    auth_key = StringField(
        "Authorization key",
        filters=[_strip],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
        description="Optional. 16 to 40 printable characters without spaces; the station sends "
                    "it as the HTTP Basic password. Leave empty for a station without a key.",
    )
    site = StringField(
        "Site",
        filters=[_strip],
        validators=[Length(max=200)],
        description="Optional. The site's name; a new name creates the site.",
    )


class PurgeForm(FlaskForm):
    """Only the CSRF token: a button that forgets the refused connections."""
