from flask import Blueprint

bp = Blueprint("tags", __name__)

from portal.blueprints.tags import routes  # noqa: E402, F401  (registers the views)
