from flask import Blueprint

bp = Blueprint("public", __name__)

from portal.blueprints.public import health, routes  # noqa: E402, F401  (registers the views)
