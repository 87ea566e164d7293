"""/integrations: what a company's services call on its host, signed with the service's
secret (portal.services.incoming) instead of a login or a token; no cookie, so no CSRF.
Errors answer in the API's JSON shape (portal/blueprints/errors.py)."""

from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("integrations", __name__, url_prefix="/integrations")
csrf.exempt(bp)  # a signature over the body cannot be forged by another site

from portal.integrations import payment_sessions  # noqa: E402, F401  (views)
