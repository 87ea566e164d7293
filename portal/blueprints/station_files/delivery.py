"""Files going out: the absolute addresses given to stations, and a file as a response."""

from __future__ import annotations

from flask import Response, current_app, g, stream_with_context, url_for
from werkzeug.utils import secure_filename

from portal.models import StationFile, Tenant
from portal.services import station_files
from tenants.resolve import tenant_url


def firmware_url(image: StationFile) -> str:
    return _for_stations(url_for("station_files.download", token=image.token,
                                 name=secure_filename(image.name) or "firmware.bin"))


def upload_url(upload: StationFile) -> str:
    return _for_stations(url_for("station_files.upload", token=upload.token))


def _for_stations(path: str) -> str:
    # Stations may reach the portal by another address than staff do (plain HTTP, the bare
    # domain, an internal name): STATION_FILES_URL says which; by default the company's host.
    base = current_app.config["STATION_FILES_URL"].rstrip("/")
    return base + path if base else tenant_url(g.tenant, path)


def file_response(tenant: Tenant, file: StationFile) -> Response:
    """The file's bytes streamed from the database, with its length and hash."""
    headers = {"Content-Length": str(file.size), "ETag": f'"{file.sha256}"',
               "Content-Disposition": "attachment; filename="
                                      f'"{secure_filename(file.name) or "file.bin"}"'}
    body = stream_with_context(station_files.chunks(tenant, file.id))
    return Response(body, mimetype="application/octet-stream", headers=headers)
