"""The Topology page: create, move and delete sites, floors, stations and outlets; bulk
onboarding by CSV and its export. Renaming is on the settings pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, can, requires
from portal.blueprints.topology import bp
from portal.blueprints.topology.forms import (
    FloorForm,
    ImportForm,
    OutletForm,
    PlaceForm,
    SiteForm,
    StationForm,
)
from portal.blueprints.uploads import read_limited
from portal.errors import DomainError
from portal.extensions import db
from portal.reports import exports
from portal.services import navigator, stations, topology, topology_csv
from tenants.scoping import tenant_scope

Page = tuple[str, int]
IMPORT_LIMIT = "TOPOLOGY_IMPORT_MAX_KB"


@bp.get("/topology")
@requires(Capability.MANAGE_TOPOLOGY)
def index() -> str:
    return _page()[0]


@bp.post("/topology/sites")
@requires(Capability.MANAGE_SITES)
def create_site() -> Response | Page:
    form = SiteForm(prefix="site")
    return _change(form, "site_form", lambda: (
        f"Site {topology.create_site(g.tenant, form.name.data).name} created."))


@bp.post("/topology/sites/<id:site_id>/delete")
@requires(Capability.MANAGE_SITES)
def delete_site(site_id: int) -> Response | Page:
    site = topology.site_of(current_user, site_id)
    return _delete(lambda: topology.delete_site(site), f"Site {site.name}")


@bp.post("/topology/floors")
@requires(Capability.MANAGE_TOPOLOGY)
def create_floor() -> Response | Page:
    form = FloorForm(prefix="floor").offer(topology.visible_sites(current_user))

    def create() -> str:
        floor = topology.create_floor(topology.site_of(current_user, form.site.data),
                                      form.name.data)
        return f"Floor {floor.name} created on {floor.site.name}."

    return _change(form, "floor_form", create)


@bp.post("/topology/floors/<id:floor_id>/delete")
@requires(Capability.MANAGE_TOPOLOGY)
def delete_floor(floor_id: int) -> Response | Page:
    floor = topology.floor_of(current_user, floor_id)
    return _delete(lambda: topology.delete_floor(floor), f"Floor {floor.name}")


@bp.post("/topology/stations")
@requires(Capability.MANAGE_TOPOLOGY)
def create_station() -> Response | Page:
    form = _place(StationForm(prefix="station"))

    def create() -> str:
        site, floor = _chosen_place(form)
        station = topology.create_station(
            current_user, g.tenant, form.charge_box_id.data, name=form.name.data, site=site,
            floor=floor, connectors=form.connectors.data, auth_key=form.auth_key.data or None)
        return f"Station {station.charge_box_id} created."

    return _change(form, "station_form", create)


@bp.route("/topology/stations/<charge_box_id>/move", methods=["GET", "POST"])
@requires(Capability.MANAGE_TOPOLOGY)
def move_station(charge_box_id: str) -> Response | str | Page:
    station = stations.get(current_user, charge_box_id)
    form = _place(PlaceForm(data={"site": station.site_id, "floor": station.floor_id}))
    if not form.validate_on_submit():
        return render_template("topology/move.html", form=form, station=station), \
            400 if form.errors else 200

    def move() -> str:
        moved = topology.move_station(current_user, station, *_chosen_place(form))
        return f"Station {charge_box_id} {'moved' if moved else 'stays where it was'}."

    return _change(form, None, move, lambda error, status: (render_template(
        "topology/move.html", form=form, station=station, error=error), status))


@bp.post("/topology/stations/<charge_box_id>/delete")
@requires(Capability.MANAGE_TOPOLOGY)
def delete_station(charge_box_id: str) -> Response | Page:
    station = stations.get(current_user, charge_box_id)
    return _delete(lambda: topology.delete_station(station), f"Station {charge_box_id}")


@bp.post("/topology/stations/<charge_box_id>/outlets")
@requires(Capability.MANAGE_TOPOLOGY)
def add_outlet(charge_box_id: str) -> Response | Page:
    station = stations.get(current_user, charge_box_id)
    form = OutletForm(prefix=f"outlet-{station.id}")
    return _change(form, "outlet_form", lambda: (
        f"Outlet {topology.add_outlet(station, form.connector_id.data).connector_id} "
        f"added to {charge_box_id}."), outlet_station=station.id)


@bp.post("/topology/stations/<charge_box_id>/outlets/<id:outlet_id>/delete")
@requires(Capability.MANAGE_TOPOLOGY)
def delete_outlet(charge_box_id: str, outlet_id: int) -> Response | Page:
    outlet = topology.outlet_of(stations.get(current_user, charge_box_id), outlet_id)
    return _delete(lambda: topology.delete_outlet(outlet),
                   f"Outlet {outlet.connector_id} of {charge_box_id}")


@bp.route("/topology/import", methods=["GET", "POST"])
@requires(Capability.MANAGE_SITES)
def import_file() -> str | Page:
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form), 400 if form.errors else 200
    content = read_limited(form.file.data, IMPORT_LIMIT)
    try:
        report = topology_csv.import_csv(g.tenant, content)
    except DomainError as refused:
        db.session.rollback()
        form.file.errors.append(str(refused))
        return _import_page(form), refused.status
    db.session.commit()
    return _import_page(ImportForm(formdata=None), report), 200


@bp.get("/topology/export.csv")
@requires(Capability.MANAGE_SITES)
def export() -> Response:
    tenant = g.tenant

    def lines() -> Iterator[str]:
        # The body is read after the view returns, outside the request's tenant scope.
        with tenant_scope(tenant):
            yield from topology_csv.export_csv()

    return exports.csv_response(stream_with_context(lines()), "topology.csv")


def _import_page(form: ImportForm, report: topology_csv.ImportReport | None = None) -> str:
    return render_template("topology/import.html", form=form, report=report,
                           header=",".join(topology_csv.HEADER),
                           limit_kb=current_app.config[IMPORT_LIMIT])


def _delete(delete: Callable[[], None], what: str) -> Response | Page:
    """A delete button: only its CSRF token to check."""
    def change() -> str:
        delete()
        return f"{what} deleted."

    return _change(FlaskForm(), None, change)


def _place(form: PlaceForm) -> Any:
    """The form offering the actor's sites; 'No site' only to company-wide roles."""
    return form.offer(topology.visible_sites(current_user),
                      no_site=can(current_user, Capability.MANAGE_SITES))


def _chosen_place(form: PlaceForm) -> tuple[Any, Any]:
    site = topology.site_of(current_user, form.site.data) if form.site.data else None
    floor = topology.floor_of(current_user, form.floor.data) if form.floor.data else None
    return site, floor


def _change(form: FlaskForm, name: str | None, change: Callable[[], str],
            refused_page: Callable[[str, int], Page] | None = None,
            **page: Any) -> Response | Page:
    """One unit of work: validate the form, make the change, commit and go back to the
    page; a refusal shows the page again with the reason next to its field (or on top)
    and stores nothing."""
    def show(error: str, status: int) -> Page:
        if refused_page is not None:
            return refused_page(error, status)
        return _page(status, error, **({name: form} if name else {}), **page)

    if not form.validate_on_submit():
        return show("", 400)
    try:
        message = change()
    except DomainError as refused:
        db.session.rollback()  # nothing stays, not even a site made on the way
        if refused.field in form:
            form[refused.field].errors.append(str(refused))
            return show("", refused.status)
        return show(str(refused), refused.status)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".index"))


def _page(status: int = 200, error: str = "", **forms: Any) -> Page:
    sites = topology.visible_sites(current_user)
    blank: dict[str, Any] = {
        "site_form": SiteForm(prefix="site", formdata=None),
        "floor_form": FloorForm(prefix="floor", formdata=None).offer(sites),
        "station_form": _place(StationForm(prefix="station", formdata=None)),
        "outlet_form": None, "outlet_station": None,
    }
    tree = navigator.tree(current_user, g.tenant.name)
    return render_template("topology/index.html", tree=tree, error=error,
                           **(blank | forms)), status
