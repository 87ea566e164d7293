from flask import Blueprint

bp = Blueprint("connections", __name__)

from portal.blueprints.connections import routes  # noqa: E402, F401  (registers the views)
