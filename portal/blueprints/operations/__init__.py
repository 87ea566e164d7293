from flask import Blueprint

bp = Blueprint("operations", __name__)

from portal.blueprints.operations import routes  # noqa: E402, F401  (registers the views)
