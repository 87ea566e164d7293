"""Settings of every level of the topology: the company, sites (with their map), floors
(with their floor map), stations and outlets.

Leaflet, which draws the site maps, is served from the xstatic-leaflet package under
/leaflet/ (nothing third-party is copied into the repository).
"""

import xstatic.pkg.leaflet
from flask import Blueprint

bp = Blueprint("settings", __name__, static_folder=xstatic.pkg.leaflet.BASE_DIR,
               static_url_path="/leaflet")

from portal.blueprints.settings import floors, routes  # noqa: E402, F401  (registers the views)
