from flask import Blueprint

bp = Blueprint("session_detail", __name__)

from portal.blueprints.session_detail import routes  # noqa: E402, F401  (registers the views)
