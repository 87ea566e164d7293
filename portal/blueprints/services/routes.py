"""The company's third-party services (a map, a payment service, webhooks): the list, add,
edit and delete one, switch it on or off, send it a test event, and its delivery log."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth.permissions import Capability, requires
from portal.blueprints import refusals
from portal.blueprints.services import bp
from portal.blueprints.services.forms import ConfirmForm, ServiceForm
from portal.errors import DomainError
from portal.extensions import db
from portal.models import ServiceKind, ThirdPartyService
from portal.services import deliveries, third_party

Page = Response | str | tuple[str, int]
# A form the service refuses is shown again with the reason next to its field.
REFUSED = 422


@bp.get("/services")
@requires(Capability.MANAGE_SERVICES)
def index() -> str:
    services = third_party.all_of_company()
    return render_template("services/index.html", services=services,
                           last_attempts=deliveries.last_attempts(services),
                           masked_secret=third_party.masked_secret)


@bp.route("/services/new", methods=["GET", "POST"])
@requires(Capability.MANAGE_SERVICES)
def create() -> Page:
    try:  # the page's address names the kind, and its form posts it back
        kind = ServiceKind(request.values.get("kind", ""))
    except ValueError:
        abort(400, description="Choose the kind of service to add: "
                               f"{', '.join(kind.value for kind in ServiceKind)}.")
    form = ServiceForm(kind)
    if not form.validate_on_submit():
        return _form_page(form, None), REFUSED if form.errors else 200
    try:
        service = third_party.create(g.tenant, form.values())
    except DomainError as refused:
        return _refused(form, None, refused)
    db.session.commit()
    flash(f"Service {service.name} is added.", "success")
    return redirect(url_for(".index"))


@bp.route("/services/<id:service_id>/edit", methods=["GET", "POST"])
@requires(Capability.MANAGE_SERVICES)
def edit(service_id: int) -> Page:
    service = third_party.get(service_id)
    if request.method == "GET":
        return _form_page(ServiceForm.of(service), service)
    form = ServiceForm(service.kind)
    if not form.validate_on_submit():
        return _form_page(form, service), REFUSED
    try:
        third_party.edit(g.tenant, service, form.values())
    except DomainError as refused:
        return _refused(form, service, refused)
    db.session.commit()
    flash(f"Service {service.name} is saved.", "success")
    return redirect(url_for(".index"))


def _refused(form: ServiceForm, service: ThirdPartyService | None,
             refused: DomainError) -> tuple[str, int]:
    db.session.rollback()  # nothing of the form is kept
    return _form_page(form, service, error=refusals.place(form, refused)), REFUSED


def _form_page(form: ServiceForm, service: ThirdPartyService | None, error: str = "") -> str:
    return render_template("services/form.html", form=form, service=service, error=error,
                           masked_secret=third_party.masked_secret(service) if service else "")


@bp.post("/services/<id:service_id>/enable")
@requires(Capability.MANAGE_SERVICES)
def enable(service_id: int) -> Response:
    return _set_enabled(service_id, True)


@bp.post("/services/<id:service_id>/disable")
@requires(Capability.MANAGE_SERVICES)
def disable(service_id: int) -> Response:
    return _set_enabled(service_id, False)


def _set_enabled(service_id: int, enabled: bool) -> Response:
    service = third_party.get(service_id)
    third_party.set_enabled(service, enabled)
    db.session.commit()
    flash(f"Service {service.name} is enabled." if enabled else
          f"Service {service.name} is disabled: it is sent nothing until it is enabled.",
          "success")
    return redirect(url_for(".index"))


@bp.post("/services/<id:service_id>/test")
@requires(Capability.MANAGE_SERVICES)
def send_test(service_id: int) -> Response:
    service = third_party.get(service_id)
    deliveries.send_test(service, current_user.email)
    db.session.commit()
    flash(f"A test event to {service.name} is queued: the clock sends it within seconds, "
          "and its delivery log shows the attempt.", "success")
    return redirect(url_for(".index"))


@bp.get("/services/<id:service_id>/deliveries")
@requires(Capability.MANAGE_SERVICES)
def delivery_log(service_id: int) -> str:
    service = third_party.get(service_id)
    page = deliveries.log_page(service, before=request.args.get("before"),
                               after=request.args.get("after"))
    return render_template("services/deliveries.html", service=service, page=page,
                           undelivered=deliveries.undelivered(service))


@bp.get("/services/<id:service_id>/delete")
@requires(Capability.MANAGE_SERVICES)
def confirm_delete(service_id: int) -> str:
    return render_template("services/delete.html", service=third_party.get(service_id),
                           form=ConfirmForm())


@bp.post("/services/<id:service_id>/delete")
@requires(Capability.MANAGE_SERVICES)
def delete(service_id: int) -> Response:
    service = third_party.get(service_id)  # CSRFProtect has checked the form's token
    name = service.name
    third_party.delete(service)
    db.session.commit()
    flash(f"Service {name} is deleted, with its delivery log and the events it was owed; "
          "outlets forget their ids there.", "success")
    return redirect(url_for(".index"))
