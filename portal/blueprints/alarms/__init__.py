from flask import Blueprint

bp = Blueprint("alarms", __name__)

from portal.blueprints.alarms import routes  # noqa: E402, F401  (registers the views)
