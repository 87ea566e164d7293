from flask import Blueprint

bp = Blueprint("review", __name__)

from portal.blueprints.review import routes  # noqa: E402, F401  (registers the views)
