from flask import Blueprint

bp = Blueprint("statistics", __name__)

from portal.blueprints.statistics import reports, routes  # noqa: E402, F401  (registers the views)
