"""Firmware downloads and diagnostics uploads, by token."""

from __future__ import annotations

from flask import Response, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from portal.blueprints.station_files import bp
from portal.blueprints.station_files.delivery import file_response
from portal.errors import TooLarge
from portal.extensions import db
from portal.models import StationFile, StationFileKind, Tenant
from portal.services import diagnostics, station_files
from tenants.scoping import tenant_scope


@bp.get("/files/<token>/<name>")
def download(token: str, name: str) -> Response:
    """The firmware image; the name in the path is for stations that keep it."""
    image = station_files.find_by_token(token, StationFileKind.FIRMWARE, g.tenant)
    return file_response(_tenant_of(image), image)


@bp.route("/uploads/<token>", methods=["PUT", "POST"])
@bp.route("/uploads/<token>/<name>", methods=["PUT", "POST"])
def upload(token: str, name: str = "") -> tuple[Response, int]:
    """A diagnostics file: a multipart form with a file field, or the raw body."""
    limit = current_app.config["DIAGNOSTICS_MAX_BYTES"]
    # This route's own limit, not MAX_UPLOAD_MB.
    request.max_content_length = limit + station_files.FORM_OVERHEAD_BYTES
    target = station_files.find_by_token(token, StationFileKind.DIAGNOSTICS, g.tenant)
    try:
        if request.mimetype == "multipart/form-data":
            sent = next(request.files.values(), None)
            if sent is None:
                return _text("No file in the form.", 400)
            name, stream = name or sent.filename or "", sent.stream
        else:
            stream = request.stream
        with tenant_scope(_tenant_of(target)):
            diagnostics.receive(target, secure_filename(name), stream, limit)
    except (TooLarge, RequestEntityTooLarge):
        db.session.rollback()
        return _text(str(station_files.too_large(limit)), 413)
    db.session.commit()
    return _text("Stored.", 201)


def _tenant_of(file: StationFile) -> Tenant:
    """The company of the host asked, or on the bare domain the one the token belongs to."""
    tenant = g.tenant or db.session.get(Tenant, file.tenant_id)
    assert tenant is not None
    return tenant


def _text(message: str, status: int) -> tuple[Response, int]:
    return Response(message + "\n", mimetype="text/plain"), status
