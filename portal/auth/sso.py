"""The OpenID Connect client of a company's provider (authlib's Flask client).

Each company has its own provider, so the client is built for the request from the
company's row, never registered at import: a changed secret or issuer counts at once.
authlib keeps the state, nonce and PKCE verifier in the Flask session, checks the state
on the way back and validates the ID token against the provider's keys (JWKS): its
signature, issuer, audience, expiry and nonce.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from portal.errors import DomainError
from portal.models import SsoProvider
from portal.services import encryption, sso

SCOPE = "openid email profile"
log = logging.getLogger(__name__)


class SignInFailed(DomainError):
    """The provider's answer logs nobody in; the message is for the login page."""

    status = 401


class Unavailable(DomainError):
    """Single sign-on cannot work now: the provider is unreachable or the secret unreadable."""

    status = 503


def _client(provider: SsoProvider) -> FlaskOAuth2App:
    name = f"sso-{provider.tenant_id}"
    try:
        secret = encryption.decrypt(provider.client_secret_encrypted)
    except encryption.Unreadable:
        log.exception("single sign-on of tenant %s", provider.tenant_id)
        raise Unavailable("Single sign-on is out of order: an administrator must give the "
                          "client secret again.") from None
    return FlaskOAuth2App(
        FlaskIntegration(name), name=name, client_id=provider.client_id, client_secret=secret,
        server_metadata_url=sso.discovery_url(provider.issuer),
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                       "default_timeout": sso.TIMEOUT_SECONDS})


def redirect_to(provider: SsoProvider, redirect_uri: str) -> Response:
    """Send the browser to the provider, which sends it back to `redirect_uri`."""
    try:
        return _client(provider).authorize_redirect(redirect_uri)
    except (requests.RequestException, ValueError, RuntimeError):  # no or no usable discovery
        raise _unreachable(provider) from None


def verified_claims(provider: SsoProvider) -> dict[str, Any]:
    """The claims of the validated ID token the provider's answer to this request brings."""
    try:
        token = _client(provider).authorize_access_token(
            # The issuer kept when it was configured, not whatever the discovery says today.
            claims_options={"iss": {"essential": True, "values": [provider.issuer]}})
    except MismatchingStateError:
        # No sign-in of this browser waits for this answer: forged, replayed or stale.
        raise DomainError("This sign-in was not started in this browser, or it was already "
                          "used. Log in again.") from None
    except OAuthError as error:
        raise SignInFailed(f"{provider.name} did not log you in ({error.error}).") from None
    except requests.RequestException:
        raise _unreachable(provider) from None
    except (AuthlibBaseError, JoseError, ValueError):
        raise SignInFailed(f"{provider.name}'s answer could not be verified. Log in "
                           "again.") from None
    if "userinfo" not in token:
        raise SignInFailed(f"{provider.name} sent no ID token.")
    return dict(token["userinfo"])


def _unreachable(provider: SsoProvider) -> Unavailable:
    return Unavailable(f"Plugboard could not reach {provider.name}. Try again later.")
