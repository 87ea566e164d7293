from flask import Blueprint

bp = Blueprint("topology", __name__)

from portal.blueprints.topology import routes  # noqa: E402, F401  (registers the views)
