"""The addresses stations use for files: firmware downloads and diagnostics uploads.

Stations cannot log in: the long random token in the path is the only key, so these
views need no login and no CSRF token (no cookie is involved). They answer on a company's
host and on the bare domain (see STATION_FILES_URL).
"""

from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("station_files", __name__)
csrf.exempt(bp)

from portal.blueprints.station_files import routes  # noqa: E402, F401  (registers the views)
