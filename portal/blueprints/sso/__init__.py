"""Single sign-on: logging in through the company's OpenID Connect provider, and the page
where an administrator configures that provider."""

from flask import Blueprint

bp = Blueprint("sso", __name__)

from portal.blueprints.sso import routes  # noqa: E402, F401  (registers the views)
