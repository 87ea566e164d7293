"""Secrets Plugboard must read back (an OpenID Connect client secret, a partner's signing
key), encrypted at rest with Fernet (AES-128-CBC and HMAC-SHA256).

SECRET_ENCRYPTION_KEY holds one key or several, comma-separated: the first encrypts, all
decrypt (MultiFernet): a new key is put first, and the old one stays after it for as long
as values encrypted with it are kept. Unset, the key is derived from SECRET_KEY: changing
SECRET_KEY then makes the stored secrets unreadable.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

# Keeps the derived key apart from every other use of SECRET_KEY (sessions, CSRF).
_DERIVATION_CONTEXT = b"plugboard secret encryption v1:"


class Unreadable(RuntimeError):
    """A stored secret none of the configured keys decrypts (a key was changed or lost)."""


def parse_keys(raw: str) -> list[str]:
    """The Fernet keys of a SECRET_ENCRYPTION_KEY value; ValueError if one is malformed."""
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ValueError("expected Fernet keys (32 url-safe base64-encoded bytes), "
                             "comma-separated; make one with `python -c \"from "
                             "cryptography.fernet import Fernet; "
                             "print(Fernet.generate_key().decode())\"`") from None
    return keys


def derived_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY, for when no SECRET_ENCRYPTION_KEY is set."""
    digest = hashlib.sha256(_DERIVATION_CONTEXT + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _fernet() -> MultiFernet:
    keys = current_app.config["SECRET_ENCRYPTION_KEY"] or [
        derived_key(current_app.config["SECRET_KEY"])]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise Unreadable("a stored secret cannot be decrypted with SECRET_ENCRYPTION_KEY "
                         "(or SECRET_KEY, when it is unset)") from None

