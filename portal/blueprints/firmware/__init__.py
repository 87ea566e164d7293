from flask import Blueprint

bp = Blueprint("firmware", __name__)

from portal.blueprints.firmware import routes  # noqa: E402, F401  (registers the views)
