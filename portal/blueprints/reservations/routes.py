"""Reservations: the list with its filters, the Reserve form, a Cancel button per reservation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints.commands import current_sender, flash_outcome
from portal.blueprints.formatting import local_time
from portal.blueprints.reservations import bp
from portal.blueprints.reservations.forms import ReservationFilterForm, ReserveForm
from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import Reservation, ReservationStatus
from portal.models.base import utcnow
from portal.services import reservations, stations


@bp.get("/reservations")
@requires(Capability.OPERATE_STATIONS)
def index() -> str:
    return _page(ReserveForm(formdata=None))


@bp.post("/reservations")
@requires(Capability.OPERATE_STATIONS)
def reserve() -> Response | tuple[str, int]:
    form = ReserveForm()
    if not form.validate_on_submit():
        return _page(form), 400
    try:
        station = stations.get(current_user, form.charge_box_id.data)
        reservation = reservations.reserve(
            station, form.connector_id.data, form.id_tag.data, form.expiry_at.data,
            now=utcnow(), sender=current_sender())
    except (NotFound, Invalid) as error:
        db.session.rollback()  # nothing was sent
        form[error.field or "charge_box_id"].errors.append(str(error))
        return _page(form), 400
    db.session.commit()
    flash(*_reserved(reservation))
    return redirect(url_for("reservations.index"))


@bp.post("/reservations/<id:reservation_id>/cancel")
@requires(Capability.OPERATE_STATIONS)
def cancel(reservation_id: int) -> Response:
    reservation = reservations.get(current_user, reservation_id)
    try:
        command = reservations.cancel(reservation, now=utcnow(), sender=current_sender())
    except Conflict as error:
        flash(str(error), "danger")
        return redirect(url_for("reservations.index"))
    db.session.commit()
    flash_outcome(command, f"Cancel reservation {reservation.id} "
                           f"(now {reservation.status.value})")
    return redirect(url_for("reservations.index"))


def _reserved(reservation: Reservation) -> tuple[str, str]:
    """The flash message telling what the station made of a reservation, and its colour."""
    connector = (f"connector {reservation.connector_id}" if reservation.connector_id
                 else "(any connector)")
    where = f"{reservation.station.charge_box_id} {connector}"
    if reservation.status is ReservationStatus.ACCEPTED:
        return (f"Reservation {reservation.id}: {where} is reserved for {reservation.id_tag} "
                f"until {local_time(reservation.expiry_at)}.", "success")
    if reservation.status is ReservationStatus.FAILED:
        return f"Reservation {reservation.id} was not made: {reservation.failure}", "danger"
    return (f"Station {reservation.station.charge_box_id} answered "
            f"{reservation.status.value}: reservation {reservation.id} was not made.", "warning")


def _page(form: ReserveForm) -> str:
    filters = ReservationFilterForm(request.args)
    now = utcnow()  # a read: the clock stores expiries (portal.jobs), the page shows them
    page = reservations.page(current_user, filters.filters(),
                             request.args.get("page", 1, type=int), now=now)
    return render_template("reservations/index.html", page=page, filters=filters, form=form,
                           now=now)
