from flask import Blueprint

bp = Blueprint("stations", __name__)

from portal.blueprints.stations import local_list, routes  # noqa: E402, F401  (registers the views)
