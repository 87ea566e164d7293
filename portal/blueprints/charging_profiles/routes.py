"""Charging profiles: define them, install them on stations, and each station's Smart
charging tab (installed profiles, clear, composite schedule).

Profiles are the company's: defining, changing and deleting one is MANAGE_CHARGING_PROFILES.
Setting limits on stations is configuration (CONFIGURE_STATIONS); a remote start, even
with a profile, is an operation (OPERATE_STATIONS).
"""

from __future__ import annotations

from dataclasses import asdict

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints import refusals
from portal.blueprints.charging_profiles import bp
from portal.blueprints.charging_profiles.chart import step_chart
from portal.blueprints.charging_profiles.forms import (
    ClearForm,
    CompositeScheduleForm,
    InstallForm,
    ProfileFilterForm,
    ProfileForm,
    RemoteStartForm,
)
from portal.blueprints.commands import current_sender, flash_outcome
from portal.errors import DomainError
from portal.extensions import db
from portal.models import ChargingProfile, Station
from portal.services import charging_profiles, operations, smart_charging, stations


@bp.get("/charging-profiles")
@requires(Capability.CONFIGURE_STATIONS)
def index() -> str:
    form = ProfileFilterForm(request.args)
    return render_template("charging_profiles/index.html", form=form,
                           profiles=charging_profiles.listed(form.filters()))


@bp.route("/charging-profiles/new", methods=["GET", "POST"])
@requires(Capability.MANAGE_CHARGING_PROFILES)
def create() -> Response | str | tuple[str, int]:
    form = ProfileForm()
    if not form.validate_on_submit():
        return _form_page(form, None), 400 if form.errors else 200
    try:
        profile = charging_profiles.create(g.tenant, form.values())
    except DomainError as refused:
        return _refused(form, None, refused)
    db.session.commit()
    flash(f"Charging profile {profile.charging_profile_id} is saved.", "success")
    return redirect(url_for(".show", charging_profile_id=profile.charging_profile_id))


@bp.route("/charging-profiles/<id:charging_profile_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_CHARGING_PROFILES)
def edit(charging_profile_id: int) -> Response | str | tuple[str, int]:
    profile = charging_profiles.get(charging_profile_id)
    if request.method == "GET":
        form = ProfileForm(data=_form_data(profile))
        return _form_page(form, profile)
    form = ProfileForm()
    if not form.validate_on_submit():
        return _form_page(form, profile), 400
    try:
        charging_profiles.edit(profile, form.values())
    except DomainError as refused:
        return _refused(form, profile, refused)
    db.session.commit()
    flash(f"Charging profile {profile.charging_profile_id} is saved. Stations holding it keep "
          f"the former version until it is installed again.", "success")
    return redirect(url_for(".show", charging_profile_id=profile.charging_profile_id))


def _form_data(profile: ChargingProfile) -> dict[str, object]:
    data = asdict(charging_profiles.values_of(profile))  # periods too, by the rows' names
    for name in ("purpose", "kind", "rate_unit", "recurrency"):
        data[name] = data[name].value if data[name] else ""
    return data


def _refused(form: ProfileForm, profile: ChargingProfile | None,
             refused: DomainError) -> tuple[str, int]:
    db.session.rollback()
    return _form_page(form, profile, error=refusals.place(form, refused)), refused.status


def _form_page(form: ProfileForm, profile: ChargingProfile | None, error: str = "") -> str:
    form.add_empty_rows()
    return render_template("charging_profiles/form.html", form=form, profile=profile,
                           error=error)


@bp.post("/charging-profiles/<id:charging_profile_id>/delete")
@requires(Capability.MANAGE_CHARGING_PROFILES)
def delete(charging_profile_id: int) -> Response:
    profile = charging_profiles.get(charging_profile_id)
    charging_profiles.delete(profile)  # a Conflict while installed: its own error page
    db.session.commit()
    flash(f"Charging profile {charging_profile_id} is deleted.", "success")
    return redirect(url_for(".index"))


@bp.get("/charging-profiles/<id:charging_profile_id>")
@requires(Capability.CONFIGURE_STATIONS)
def show(charging_profile_id: int) -> str:
    profile = charging_profiles.get(charging_profile_id)
    return _profile_page(profile, InstallForm(), RemoteStartForm())


def _profile_page(profile: ChargingProfile, install_form: InstallForm,
                  start_form: RemoteStartForm, error: str = "") -> str:
    choices = [(s.charge_box_id, s.display_name)
               for s in stations.visible_to(current_user)]
    install_form.stations.choices = choices
    start_form.station.choices = choices
    return render_template("charging_profiles/show.html", profile=profile,
                           installations=smart_charging.installations_of(current_user, profile),
                           payload=charging_profiles.cs_charging_profile(profile),
                           install_form=install_form, start_form=start_form, error=error)


@bp.post("/charging-profiles/<id:charging_profile_id>/install")
@requires(Capability.CONFIGURE_STATIONS)
def install(charging_profile_id: int) -> Response | tuple[str, int]:
    profile = charging_profiles.get(charging_profile_id)
    form = InstallForm()
    form.stations.choices = [(s.charge_box_id, s.charge_box_id)
                             for s in stations.visible_to(current_user)]
    if not form.validate_on_submit():
        return _profile_page(profile, form, RemoteStartForm()), 400
    try:
        operation_id = smart_charging.install(
            smart_charging.chosen_stations(current_user, form.stations.data),
            form.connector_id.data, profile, sender=current_sender())
    except DomainError as refused:
        return _profile_page(profile, form, RemoteStartForm(), str(refused)), refused.status
    return redirect(url_for("operations.result", operation_id=operation_id))


@bp.post("/charging-profiles/<id:charging_profile_id>/remote-start")
@requires(Capability.OPERATE_STATIONS)
def remote_start(charging_profile_id: int) -> Response | tuple[str, int]:
    profile = charging_profiles.get(charging_profile_id)
    form = RemoteStartForm()
    form.station.choices = [(s.charge_box_id, s.charge_box_id)
                            for s in stations.visible_to(current_user)]
    if not form.validate_on_submit():
        return _profile_page(profile, InstallForm(), form), 400
    station = stations.get(current_user, form.station.data)
    try:
        payload = charging_profiles.remote_start_payload(form.id_tag.data,
                                                         form.connector_id.data, profile)
        command = operations.perform(current_user, station, "RemoteStartTransaction", payload)
    except DomainError as refused:
        return _profile_page(profile, InstallForm(), form, str(refused)), refused.status
    db.session.commit()
    flash_outcome(command, f"{command.action} to {command.charge_box_id}")
    return redirect(url_for(".show", charging_profile_id=charging_profile_id))


@bp.get("/stations/<charge_box_id>/charging")
@requires(Capability.CONFIGURE_STATIONS)
def station(charge_box_id: str) -> str:
    return _station_page(stations.get(current_user, charge_box_id), ClearForm(),
                         CompositeScheduleForm())


def _station_page(station: Station, clear_form: ClearForm,
                  composite_form: CompositeScheduleForm, error: str = "") -> str:
    schedule = smart_charging.latest_composite_schedule(station)
    return render_template("charging_profiles/station.html", station=station,
                           installed=smart_charging.installed_on(station),
                           clear_form=clear_form, composite_form=composite_form,
                           schedule=schedule, chart=step_chart(schedule) if schedule else None,
                           error=error)


@bp.post("/stations/<charge_box_id>/charging/clear")
@requires(Capability.CONFIGURE_STATIONS)
def clear(charge_box_id: str) -> Response | tuple[str, int]:
    station = stations.get(current_user, charge_box_id)
    form = ClearForm()
    if not form.validate_on_submit():
        return _station_page(station, form, CompositeScheduleForm()), 400
    try:
        command = smart_charging.clear(station, form.criteria(), sender=current_sender())
    except DomainError as refused:
        page = _station_page(station, form, CompositeScheduleForm(), str(refused))
        return page, refused.status
    flash_outcome(command, f"{command.action} to {command.charge_box_id}")
    return redirect(url_for(".station", charge_box_id=charge_box_id))


@bp.post("/stations/<charge_box_id>/charging/composite-schedule")
@requires(Capability.CONFIGURE_STATIONS)
def composite_schedule(charge_box_id: str) -> Response | tuple[str, int]:
    station = stations.get(current_user, charge_box_id)
    form = CompositeScheduleForm()
    if not form.validate_on_submit():
        return _station_page(station, ClearForm(), form), 400
    try:
        command = smart_charging.request_composite_schedule(
            station, form.connector_id.data, form.duration.data, form.chosen_rate_unit,
            sender=current_sender())
    except DomainError as refused:
        return _station_page(station, ClearForm(), form, str(refused)), refused.status
    flash_outcome(command, f"{command.action} to {command.charge_box_id}")
    return redirect(url_for(".station", charge_box_id=charge_box_id))
