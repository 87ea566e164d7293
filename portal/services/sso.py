"""Single sign-on: the company's OpenID Connect provider, and who a provider's login is.

The provider proves who someone is; Plugboard decides which user that is: an active user
of this company with the same verified e-mail address. Staff are never created by a login
(an administrator creates them); EV users may be, when the company allows it.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import select

from portal.errors import Forbidden, Invalid
from portal.extensions import db
from portal.models import Role, SsoProvider, Tenant, User
from portal.models.base import utcnow
from portal.services import encryption, users

TIMEOUT_SECONDS = 5  # each request to the provider
NAME_LENGTH = 100  # SsoProvider.name
URL_LENGTH = 255  # SsoProvider.issuer, client_id
SECRET_LENGTH = 1000
DISCOVERY_PATH = "/.well-known/openid-configuration"
# What Plugboard needs of a discovery document for the authorization code flow.
REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


@dataclass(frozen=True)
class ProviderSettings:
    name: str
    issuer: str
    client_id: str
    client_secret: str  # empty: keep the stored one
    enabled: bool
    create_ev_users: bool


def provider_of(tenant: Tenant) -> SsoProvider | None:
    """The provider configured for the company (enabled or not), if any."""
    return db.session.scalar(select(SsoProvider).where(SsoProvider.tenant_id == tenant.id))


def login_option(tenant: Tenant) -> SsoProvider | None:
    """The provider the company's login page offers: configured and enabled."""
    provider = provider_of(tenant)
    return provider if provider is not None and provider.enabled else None


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + DISCOVERY_PATH


def configure(tenant: Tenant, settings: ProviderSettings) -> SsoProvider:
    """Keep the company's provider; Invalid naming the field, and nothing kept, if a value is
    wrong or the issuer's discovery document cannot be read."""
    name = settings.name.strip()
    if not name or len(name) > NAME_LENGTH:
        raise Invalid(f"Give a name of at most {NAME_LENGTH} characters, such as Google.",
                      field="name")
    client_id = settings.client_id.strip()
    if not client_id or len(client_id) > URL_LENGTH:
        raise Invalid(f"Give the client id the provider gave you (at most {URL_LENGTH} "
                      "characters).", field="client_id")
    provider = provider_of(tenant)
    secret = settings.client_secret.strip()
    if len(secret) > SECRET_LENGTH:
        raise Invalid(f"A client secret has at most {SECRET_LENGTH} characters.",
                      field="client_secret")
    if not secret and provider is None:
        raise Invalid("Give the client secret the provider gave you.", field="client_secret")
    issuer = discover(_checked_issuer(settings.issuer))["issuer"]
    if provider is None:
        provider = SsoProvider(tenant_id=tenant.id)
        db.session.add(provider)
    provider.name, provider.issuer, provider.client_id = name, issuer, client_id
    if secret:
        provider.client_secret_encrypted = encryption.encrypt(secret)
    provider.enabled = settings.enabled
    provider.create_ev_users = settings.create_ev_users
    provider.updated_at = utcnow()
    db.session.flush()
    return provider


def _checked_issuer(issuer: str) -> str:
    issuer = issuer.strip()
    parts = urlsplit(issuer)
    if (len(issuer) > URL_LENGTH or parts.scheme not in {"http", "https"} or not parts.hostname
            or parts.query or parts.fragment):
        raise Invalid("Give the issuer's address, such as https://accounts.google.com.",
                      field="issuer")
    # A provider's keys and tokens must not travel in clear text; http serves a provider
    # on this very machine (OAuth 2.0 for native apps allows the same, RFC 8252 §8.3).
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise Invalid("The issuer's address must start with https://.", field="issuer")
    return issuer


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def discover(issuer: str) -> dict[str, Any]:
    """The issuer's discovery document (OpenID Connect Discovery 1.0, §4); Invalid naming
    the issuer field when it cannot be fetched or is not one for this issuer."""
    url = discovery_url(issuer)
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except requests.Timeout:
        raise Invalid(f"{url} did not answer within {TIMEOUT_SECONDS} seconds.",
                      field="issuer") from None
    except requests.HTTPError as error:
        raise Invalid(f"{url} answered HTTP {error.response.status_code}, not a discovery "
                      "document.", field="issuer") from None
    except requests.RequestException:
        raise Invalid(f"Plugboard could not reach {url}.", field="issuer") from None
    except ValueError:
        raise Invalid(f"{url} is not an OpenID Connect discovery document (no JSON).",
                      field="issuer") from None
    missing = [key for key in REQUIRED_METADATA
               if not isinstance(document, dict) or not isinstance(document.get(key), str)]
    if missing:
        raise Invalid(f"{url} is not an OpenID Connect discovery document (it lacks "
                      f"{', '.join(missing)}).", field="issuer")
    # The spec wants them identical; a trailing slash typed or not is the same address.
    if document["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise Invalid(f"The provider at {url} names itself {document['issuer']}, not "
                      f"{issuer}.", field="issuer")
    return document


def user_for(tenant: Tenant, provider: SsoProvider, claims: dict[str, Any]) -> User:
    """The user a verified ID token's claims name; Forbidden, with words for the login page,
    when the e-mail is not verified or names no active user Plugboard may log in."""
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip() or "\x00" in email:
        raise Forbidden(f"{provider.name} did not tell Plugboard your e-mail address.")
    # Some providers send the boolean as a string.
    if claims.get("email_verified") not in (True, "true"):
        raise Forbidden(f"{provider.name} has not verified your e-mail address {email}; "
                        "verify it there and log in again.")
    user = users.find_by_email(email)
    if user is None and provider.create_ev_users:
        user = _new_ev_user(tenant, email, claims)
    if user is None or not user.active:
        raise Forbidden(f"{tenant.name} has no active user with the e-mail address {email}. "
                        "Ask your administrator for an account.")
    user.last_login_at = utcnow()
    return user


def _new_ev_user(tenant: Tenant, email: str, claims: dict[str, Any]) -> User:
    # A password nobody knows: the driver logs in through the provider.
    password = secrets.token_urlsafe(24) + "a1"
    return users.create(tenant, email=email, password=password, role=Role.EV_USER,
                        first_name=_name_claim(claims, "given_name"),
                        last_name=_name_claim(claims, "family_name"))


def _name_claim(claims: dict[str, Any], key: str) -> str:
    value = claims.get(key)
    return value.replace("\x00", "").strip()[:100] if isinstance(value, str) else ""
