from flask import Blueprint

bp = Blueprint("messages", __name__)

from portal.blueprints.messages import routes  # noqa: E402, F401  (registers the views)
