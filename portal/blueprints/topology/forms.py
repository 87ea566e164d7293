"""Forms of the Topology page. Site and floor choices are what the actor may see; the
service checks the rest (a floor of the chosen site, a site administrator's own site)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.blueprints.fields import WholeNumberField
from portal.blueprints.stations.forms import optional_int, strip
from portal.models import Site
from portal.services import topology

NO_SITE = SelectChoice("", "No site")
NO_FLOOR = SelectChoice("", "No floor")
NAME = [DataRequired("Give a name."), Length(max=topology.MAX_NAME)]


def site_choices(sites: list[Site]) -> list[SelectChoice]:
    return [SelectChoice(str(site.id), site.name) for site in sites]


def floor_choices(sites: list[Site]) -> list[SelectChoice]:
    return [SelectChoice(str(floor.id), f"{site.name} / {floor.name}")
            for site in sites for floor in site.floors]


class PlaceForm(FlaskForm):
    """A site and, optionally, one of its floors."""

    site = SelectField("Site", coerce=optional_int)
    floor = SelectField("Floor", coerce=optional_int, validators=[Optional()])

    def offer(self, sites: list[Site], *, no_site: bool) -> PlaceForm:
        """Offer these sites (and 'No site' to whom may leave a station on none)."""
        self.site.choices = ([NO_SITE] if no_site else []) + site_choices(sites)
        self.floor.choices = [NO_FLOOR, *floor_choices(sites)]
        return self


class SiteForm(FlaskForm):
    name = StringField("Site name", filters=[strip], validators=NAME)


class FloorForm(FlaskForm):
    site = SelectField("Site", coerce=optional_int,
                       validators=[InputRequired("Choose the floor's site.")])
    name = StringField("Floor name", filters=[strip], validators=NAME)

    def offer(self, sites: list[Site]) -> FloorForm:
        self.site.choices = site_choices(sites)
        return self


class StationForm(PlaceForm):
    charge_box_id = StringField("chargeBoxId", filters=[strip],
                                validators=[DataRequired("Give the station's chargeBoxId.")])
    name = StringField("Name", filters=[strip], validators=[Length(max=topology.MAX_NAME)],
                       description="Optional; the station shows its chargeBoxId without one.")
    connectors = WholeNumberField(
        "Connectors", default=1,
        validators=[InputRequired("Give the number of connectors (0 or more)."),
                    NumberRange(0, topology.CONNECTOR_IDS.stop - 1)])
    # Shown as typed: the same key has to be set on the station (see connections' form).
    auth_key = StringField(
        "Authorization key", filters=[strip],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
        description="Optional. 16 to 40 printable characters without spaces.")


class OutletForm(FlaskForm):
    connector_id = WholeNumberField(
        "Connector id", validators=[Optional(), NumberRange(topology.CONNECTOR_IDS.start,
                                                            topology.CONNECTOR_IDS.stop - 1)],
        description="Empty: the one after the station's last.")


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])
