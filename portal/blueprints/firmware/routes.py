"""Firmware images, UpdateFirmware and GetDiagnostics: the Firmware page and the station's
"Firmware and diagnostics" tab.

Images are the company's (MANAGE_FIRMWARE_IMAGES to upload or delete one); sending one to
stations is configuring them (CONFIGURE_STATIONS), within the stations the user sees.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from portal.auth.permissions import Capability, requires
from portal.blueprints.commands import current_sender, flash_outcome
from portal.blueprints.firmware import bp
from portal.blueprints.firmware.forms import (
    DeleteForm,
    GetDiagnosticsForm,
    ImageUploadForm,
    UpdateFirmwareForm,
    UpdateManyForm,
)
from portal.blueprints.station_files.delivery import file_response, firmware_url, upload_url
from portal.errors import DomainError
from portal.extensions import csrf, db
from portal.models import Station
from portal.models.base import utcnow
from portal.services import diagnostics, firmware, station_files, stations

Page = str | tuple[str, int]


@bp.get("/firmware")
@requires(Capability.CONFIGURE_STATIONS)
def index() -> str:
    return _index_page()


# The form checks its own CSRF token: the app-wide check would read the body first, under
# MAX_UPLOAD_MB instead of this page's FIRMWARE_MAX_BYTES.
@csrf.exempt
@bp.post("/firmware")
@requires(Capability.MANAGE_FIRMWARE_IMAGES)
def upload() -> Response | Page:
    limit = current_app.config["FIRMWARE_MAX_BYTES"]
    # This route's own limit, not MAX_UPLOAD_MB.
    request.max_content_length = limit + station_files.FORM_OVERHEAD_BYTES
    try:
        form = ImageUploadForm()
        if not form.validate_on_submit():
            return _index_page(upload_form=form), 400
        image = firmware.upload(g.tenant, current_user, form.file.data.filename or "",
                                form.file.data.stream, limit)
    except (DomainError, RequestEntityTooLarge) as error:
        db.session.rollback()
        refused = error if isinstance(error, DomainError) else station_files.too_large(limit)
        form = ImageUploadForm(formdata=None)
        form.file.errors = [str(refused)]
        return _index_page(upload_form=form), refused.status
    db.session.commit()
    flash(f"{image.name} is uploaded ({image.size} bytes).", "success")
    return redirect(url_for("firmware.index"))


@bp.post("/firmware/<id:image_id>/delete")
@requires(Capability.MANAGE_FIRMWARE_IMAGES)
def delete(image_id: int) -> Response:
    image = firmware.get_image(image_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    firmware.delete(image)
    db.session.commit()
    flash(f"{image.name} is deleted.", "success")
    return redirect(url_for("firmware.index"))


@bp.post("/firmware/update")
@requires(Capability.CONFIGURE_STATIONS)
def update_many() -> Response | Page:
    form = _update_many_form(UpdateManyForm())
    if not form.validate_on_submit():
        return _index_page(update_form=form), 400
    chosen = set(form.stations.data or [])
    targets = [s for s in stations.visible_to(current_user) if s.charge_box_id in chosen]
    try:
        payload = _update_payload(form)
        operation_id = firmware.update_many(targets, payload, sender=current_sender())
    except DomainError as refused:
        db.session.rollback()
        _form_error(form, refused)
        return _index_page(update_form=form), refused.status
    return redirect(url_for("operations.result", operation_id=operation_id))


@bp.get("/stations/<charge_box_id>/firmware")
@requires(Capability.CONFIGURE_STATIONS)
def station(charge_box_id: str) -> str:
    return _station_page(stations.get(current_user, charge_box_id))


@bp.post("/stations/<charge_box_id>/firmware/update")
@requires(Capability.CONFIGURE_STATIONS)
def update(charge_box_id: str) -> Response | Page:
    target = stations.get(current_user, charge_box_id)
    form = _update_form(UpdateFirmwareForm())
    if not form.validate_on_submit():
        return _station_page(target, update_form=form), 400
    try:
        command = firmware.update(target, _update_payload(form), sender=current_sender())
    except DomainError as refused:
        db.session.rollback()
        _form_error(form, refused)
        return _station_page(target, update_form=form), refused.status
    flash_outcome(command, f"{command.action} to {command.charge_box_id}")
    return redirect(url_for("firmware.station", charge_box_id=charge_box_id))


@bp.post("/stations/<charge_box_id>/diagnostics")
@requires(Capability.CONFIGURE_STATIONS)
def get_diagnostics(charge_box_id: str) -> Response | Page:
    target = stations.get(current_user, charge_box_id)
    form = GetDiagnosticsForm()
    if not form.validate_on_submit():
        return _station_page(target, diagnostics_form=form), 400
    try:
        upload = diagnostics.new_upload(target, current_user)
        payload = diagnostics.request_payload(
            upload_url(upload), form.start_time.data, form.stop_time.data, form.retries.data,
            form.retry_interval.data)
        command = diagnostics.request(target, payload, sender=current_sender())
    except DomainError as refused:
        db.session.rollback()
        _form_error(form, refused)
        return _station_page(target, diagnostics_form=form), refused.status
    flash_outcome(command, f"{command.action} to {command.charge_box_id}")
    return redirect(url_for("firmware.station", charge_box_id=charge_box_id))


@bp.get("/stations/<charge_box_id>/diagnostics/<id:file_id>")
@requires(Capability.CONFIGURE_STATIONS)
def download_diagnostics(charge_box_id: str, file_id: int) -> Response:
    found = diagnostics.get_file(stations.get(current_user, charge_box_id), file_id)
    return file_response(g.tenant, found)


def _update_form(form: UpdateFirmwareForm) -> UpdateFirmwareForm:
    form.image.choices = [(image.id, image.name) for image in firmware.images()]
    return form


def _update_many_form(form: UpdateManyForm) -> UpdateManyForm:
    form.stations.choices = [(s.charge_box_id, s.charge_box_id)
                             for s in stations.visible_to(current_user)]
    _update_form(form)
    return form


def _update_payload(form: UpdateFirmwareForm) -> dict[str, object]:
    image = firmware.get_image(form.image.data)
    return firmware.update_payload(firmware_url(image),
                                   form.retrieve_date.data or utcnow(),
                                   form.retries.data, form.retry_interval.data)


def _form_error(form: UpdateFirmwareForm | GetDiagnosticsForm, refused: DomainError) -> None:
    if refused.field in form:
        form[refused.field].errors = [*form[refused.field].errors, str(refused)]
    else:
        flash(str(refused), "danger")


def _index_page(upload_form: ImageUploadForm | None = None,
                update_form: UpdateManyForm | None = None) -> str:
    images = firmware.images()
    return render_template(
        "firmware/index.html", images=[(image, firmware_url(image)) for image in images],
        upload_form=upload_form or ImageUploadForm(formdata=None),
        update_form=update_form or _update_many_form(UpdateManyForm(formdata=None)),
        delete_form=DeleteForm(formdata=None), stations=stations.visible_to(current_user))


def _station_page(target: Station, update_form: UpdateFirmwareForm | None = None,
                  diagnostics_form: GetDiagnosticsForm | None = None) -> str:
    return render_template(
        "firmware/station.html", station=target, progress=firmware.progress(target),
        files=diagnostics.files_of(target),
        update_form=update_form or _update_form(UpdateFirmwareForm(formdata=None)),
        diagnostics_form=diagnostics_form or GetDiagnosticsForm(formdata=None))
