from flask import Blueprint

bp = Blueprint("services", __name__)

from portal.blueprints.services import routes  # noqa: E402, F401  (registers the views)
