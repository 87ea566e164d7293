from flask import Blueprint

bp = Blueprint("charging_profiles", __name__)

from portal.blueprints.charging_profiles import routes  # noqa: E402, F401  (registers the views)
