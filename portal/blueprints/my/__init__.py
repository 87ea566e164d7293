from flask import Blueprint

bp = Blueprint("my", __name__)

from portal.blueprints.my import routes  # noqa: E402, F401  (registers the views)
