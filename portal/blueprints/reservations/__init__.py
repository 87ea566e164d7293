from flask import Blueprint

bp = Blueprint("reservations", __name__)

from portal.blueprints.reservations import routes  # noqa: E402, F401  (registers the views)
