from flask import Blueprint

bp = Blueprint("tokens", __name__)

from portal.blueprints.tokens import routes  # noqa: E402, F401  (registers the views)
