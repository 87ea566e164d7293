from flask import Blueprint

bp = Blueprint("sessions", __name__)

from portal.blueprints.sessions import routes  # noqa: E402, F401  (registers the views)
