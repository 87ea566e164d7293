from flask import Blueprint

bp = Blueprint("users", __name__)

from portal.blueprints.users import routes  # noqa: E402, F401  (registers the views)
