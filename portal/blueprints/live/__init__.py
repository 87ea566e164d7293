from flask import Blueprint

bp = Blueprint("live", __name__)

from portal.blueprints.live import routes  # noqa: E402, F401  (registers the views)
