from flask import Blueprint

bp = Blueprint("configuration", __name__)

from portal.blueprints.configuration import routes  # noqa: E402, F401  (registers the views)
