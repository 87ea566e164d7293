"""Floors: their settings with the floor-map upload, the map image, and the floor page where
stations are placed by dragging and show their live colours."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.settings import bp
from portal.blueprints.settings.forms import FloorForm, refuse
from portal.errors import DomainError, Invalid, NotFound
from portal.extensions import db
from portal.input_rules import load_json
from portal.models import Floor
from portal.services import floor_maps, sites


@bp.route("/floors/<id:floor_id>/settings", methods=["GET", "POST"])
@requires(Capability.MANAGE_TOPOLOGY)
def floor(floor_id: int) -> Response | str | tuple[str, int]:
    found = sites.get_floor(current_user, floor_id)
    # Not obj=found: its floor_map is the stored image, not an upload.
    form = FloorForm(data={"name": found.name})
    if form.validate_on_submit():
        try:
            sites.rename_floor(found, form.name.data)
            if form.floor_map.data:
                floor_maps.set_image(found, form.floor_map.data.read(floor_maps.MAX_BYTES + 1))
        except DomainError as error:
            db.session.rollback()  # neither the name nor the image is kept
            status = refuse(form, error)  # before the page renders the message
            return _floor_page(found, form), status
        db.session.commit()
        flash(f"Floor {found.name} is saved.", "success")
        return redirect(url_for("settings.floor", floor_id=floor_id))
    return _floor_page(found, form), 400 if form.is_submitted() else 200


def _floor_page(found: Floor, form: FloorForm) -> str:
    return render_template("settings/floor.html", floor=found, form=form)


@bp.get("/floors/<id:floor_id>/map")
@requires(Capability.VIEW_STATIONS)
def floor_map_image(floor_id: int) -> Response:
    found = sites.get_floor(current_user, floor_id)
    if found.floor_map_content_type is None:
        raise NotFound(f"Floor {found.name} has no floor map yet.")
    response = Response(found.floor_map, mimetype=found.floor_map_content_type)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/floors/<id:floor_id>")
@requires(Capability.VIEW_STATIONS)
def floor_map(floor_id: int) -> str:
    found = sites.get_floor(current_user, floor_id)
    return render_template("settings/floor_map.html", floor=found,
                           stations=floor_maps.stations_of(found),
                           has_map=found.floor_map_content_type is not None)


@bp.post("/floors/<id:floor_id>/positions")
@requires(Capability.MANAGE_TOPOLOGY)
def place_station(floor_id: int) -> Response | tuple[Response, int]:
    """One station's place, from the floor page's script (JSON) or a plain form."""
    found = sites.get_floor(current_user, floor_id)
    try:
        values = _json_body() if request.is_json else request.form
        station = floor_maps.place(found, values.get("station_id"), values.get("x"),
                                   values.get("y"))
    except DomainError as error:
        if not request.is_json:
            raise
        return jsonify(error=type(error).__name__, message=str(error),
                       field=error.field), error.status
    db.session.commit()
    if not request.is_json:
        flash(f"{station.display_name} is placed.", "success")
        return redirect(url_for("settings.floor_map", floor_id=floor_id))
    return jsonify(station_id=station.id, x=station.floor_x, y=station.floor_y)


def _json_body() -> dict[str, Any]:
    try:
        body = load_json(request.get_data(as_text=True))
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Invalid('Send a JSON object: {"station_id": ..., "x": ..., "y": ...}.')
    return body
