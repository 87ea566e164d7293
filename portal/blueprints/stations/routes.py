from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal.auth.permissions import Capability, requires
from portal.blueprints.stations import bp
from portal.services import stations


@bp.get("/stations")
@requires(Capability.VIEW_STATIONS)
def index() -> str:
    return render_template("stations/index.html", stations=stations.visible(current_user))


@bp.get("/stations/<charge_box_id>")
@requires(Capability.VIEW_STATIONS)
def show(charge_box_id: str) -> str:
    return render_template("stations/show.html",
                           station=stations.get(current_user, charge_box_id))
