from flask import Blueprint

bp = Blueprint("audit", __name__)

from portal.blueprints.audit import routes  # noqa: E402, F401  (registers the views)
