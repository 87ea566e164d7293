"""Who calls the API: a bearer token of the company, allowed by its role as the pages
allow people (one table, portal/auth/permissions.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_limiter.util import get_remote_address
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import NotFound, Unauthorized

from portal.auth.permissions import Capability, can
from portal.errors import Forbidden
from portal.extensions import db
from portal.models import ApiToken
from portal.services import api_tokens, audit

F = TypeVar("F", bound=Callable[..., Any])
CHALLENGE = WWWAuthenticate("Bearer", {"realm": "Plugboard API"})


def token_requires(capability: Capability) -> Callable[[F], F]:
    """A live token of this company is required (401), whose role has the capability (403);
    the view finds it in `g.api_token`."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            token = _authenticate()
            if not can(token, capability):
                raise Forbidden(f"A {token.role.value} token may not {capability.value}.")
            g.api_token = token
            audit.act_as(audit.Actor.of_token(token, get_remote_address()))
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def _authenticate() -> ApiToken:
    if g.get("tenant") is None:  # never look a secret up outside a company's scope
        raise NotFound()
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    token = api_tokens.find_by_secret(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        raise Unauthorized("A valid API token of this company is required "
                           "(Authorization: Bearer <token>).", www_authenticate=CHALLENGE)
    if db.session.dirty:  # its last use; reads commit nothing else
        db.session.commit()
    return token
