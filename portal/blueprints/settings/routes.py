"""Settings of the company, its sites, stations and outlets. Each page is a form whose
values a service checks; a refused value is shown next to its field and nothing is kept."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from ocpp.v16.enums import RegistrationStatus
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.settings import bp
from portal.blueprints.settings.forms import (
    AuthKeyForm,
    CompanyForm,
    OutletForm,
    SiteForm,
    StationForm,
    external_ids,
    refuse,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Availability, Outlet, OutletMode, Site, Station
from portal.services import company, outlets, sites, stations

Page = Response | str | tuple[str, int]


@bp.route("/settings", methods=["GET", "POST"], endpoint="company")
@requires(Capability.MANAGE_TENANT)
def company_settings() -> Page:
    tenant = g.tenant
    form = CompanyForm(obj=company.settings_of(tenant))
    if form.validate_on_submit():
        try:
            company.update(tenant, company.CompanySettings(
                name=form.name.data, description=form.description.data,
                time_zone=form.time_zone.data,
                auto_register_stations=form.auto_register_stations.data,
                allow_stations_without_key=form.allow_stations_without_key.data,
                data_transfer_vendor_ids=form.data_transfer_vendor_ids.data,
                heartbeat_interval=form.heartbeat_interval.data,
                default_configuration=form.default_configuration.data,
                no_contact_intervals=form.no_contact_intervals.data,
                fault_grace_seconds=form.fault_grace_seconds.data,
                digest_time=form.digest_time.data,
                drivers_add_cards=form.drivers_add_cards.data,
                require_two_factor=form.require_two_factor.data))
        except DomainError as error:
            db.session.rollback()  # the page shows the company as it is kept
            status = refuse(form, error)  # before the page renders the message
            return _company_page(form), status
        db.session.commit()
        flash("The company's settings are saved.", "success")
        return redirect(url_for("settings.company"))
    return _company_page(form), 400 if form.is_submitted() else 200


def _company_page(form: CompanyForm) -> str:
    port = urlsplit(request.host_url).port
    urls = company.station_urls(g.tenant.slug, current_app.config["PORTAL_DOMAIN"], port)
    return render_template("settings/company.html", form=form, station_urls=urls,
                           time_zones=sorted(company.time_zones()))


@bp.route("/sites/<id:site_id>/settings", methods=["GET", "POST"])
@requires(Capability.MANAGE_TOPOLOGY)
def site(site_id: int) -> Page:
    found = sites.get(current_user, site_id)
    form = SiteForm(obj=found)
    if form.validate_on_submit():
        try:
            sites.update(found, name=form.name.data, address=form.address.data,
                         latitude=form.latitude.data, longitude=form.longitude.data)
        except DomainError as error:
            db.session.rollback()  # the page shows the site as it is kept
            status = refuse(form, error)  # before the page renders the message
            return _site_page(found, form), status
        db.session.commit()
        flash(f"Site {found.name} is saved.", "success")
        return redirect(url_for("settings.site", site_id=site_id))
    return _site_page(found, form), 400 if form.is_submitted() else 200


def _site_page(found: Site, form: SiteForm) -> str:
    return render_template("settings/site.html", site=found, form=form,
                           off_floor=sites.stations_off_floor(found),
                           tile_url=current_app.config["MAP_TILE_URL"])


@bp.route("/stations/<charge_box_id>/settings", methods=["GET", "POST"])
@requires(Capability.MANAGE_TOPOLOGY)
def station(charge_box_id: str) -> Page:
    found = stations.get(current_user, charge_box_id)
    form = _station_form(found)
    if form.validate_on_submit():
        try:
            stations.describe(found, stations.StationDetails(
                name=form.name.data, description=form.description.data, note=form.note.data,
                availability=Availability(form.availability.data),
                registration_status=RegistrationStatus(form.registration_status.data),
                heartbeat_interval=form.heartbeat_interval.data or None,
                rated_power_kw=form.rated_power_kw.data,
                address=form.address.data, latitude=form.latitude.data,
                longitude=form.longitude.data, active=form.active.data))
        except DomainError as error:
            db.session.rollback()
            status = refuse(form, error)  # before the page renders the message
            return _station_page(found, form), status
        db.session.commit()
        flash(f"The settings of {charge_box_id} are saved.", "success")
        return redirect(url_for("settings.station", charge_box_id=charge_box_id))
    return _station_page(found, form), 400 if form.is_submitted() else 200


@bp.post("/stations/<charge_box_id>/settings/authorization-key")
@requires(Capability.REGISTER_STATIONS)
def replace_auth_key(charge_box_id: str) -> Page:
    found = stations.get(current_user, charge_box_id)
    form = AuthKeyForm()
    if not form.validate_on_submit():
        return _station_page(found, key_form=form), 400
    new_key = form.auth_key.data or stations.new_auth_key()
    try:
        stations.replace_auth_key(found, new_key)
    except DomainError as error:
        status = refuse(form, error)  # before the page renders the message
        return _station_page(found, key_form=form), status
    db.session.commit()
    # Shown in this answer only: the key itself is stored nowhere.
    return _station_page(found, new_key=new_key)


def _station_form(found: Station, **options: Any) -> StationForm:
    """The station's settings form; its rated power shown in kW (the station keeps W)."""
    return StationForm(obj=found, rated_power_kw=stations.rated_power_kw(found), **options)


def _station_page(found: Station, form: StationForm | None = None, *,
                  key_form: AuthKeyForm | None = None, new_key: str = "") -> str:
    return render_template(
        "settings/station.html", station=found,
        form=form or _station_form(found, formdata=None),
        key_form=key_form or AuthKeyForm(formdata=None), new_key=new_key)


@bp.route("/outlets/<id:outlet_id>/settings", methods=["GET", "POST"])
@requires(Capability.MANAGE_TOPOLOGY)
def outlet(outlet_id: int) -> Page:
    found = outlets.get(current_user, outlet_id)
    form = OutletForm(obj=found)
    ids = external_ids(request.form) if form.is_submitted() else {
        int(service_id): value for service_id, value in found.external_ids.items()}
    if form.validate_on_submit():
        try:
            outlets.describe(found, connector_type=form.connector_type.data,
                             parking_label=form.parking_label.data,
                             mode=OutletMode(form.mode.data), external_ids=ids)
        except DomainError as error:
            db.session.rollback()
            status = refuse(form, error)  # before the page renders the message
            return _outlet_page(found, form, ids), status
        db.session.commit()
        flash(f"Outlet {found.connector_id} of {found.station.charge_box_id} is saved.",
              "success")
        return redirect(url_for("settings.outlet", outlet_id=outlet_id))
    return _outlet_page(found, form, ids), 400 if form.is_submitted() else 200


def _outlet_page(found: Outlet, form: OutletForm, ids: dict[int, str]) -> str:
    return render_template("settings/outlet.html", outlet=found, form=form,
                           services=outlets.services(), external_ids=ids)
