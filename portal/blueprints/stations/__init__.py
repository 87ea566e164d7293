from flask import Blueprint

bp = Blueprint("stations", __name__)

from portal.blueprints.stations import routes  # noqa: E402, F401  (registers the views)
