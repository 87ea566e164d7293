"""TLS served by Plugboard itself, without a proxy: the one server context that `flask serve`
and gunicorn (gunicorn.conf.py) both use."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from portal.config import ConfigError


def server_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """TLS 1.2 or newer, with the ssl module's default ciphers, from a PEM certificate (its
    chain may follow) and its unencrypted PEM key. A file that will not do stops the start
    with a ConfigError naming it: OpenSSL's own message ("PEM lib") names neither."""
    _check("TLS_CERT_FILE", cert_file, x509.load_pem_x509_certificates, "a PEM certificate")
    _check("TLS_KEY_FILE", key_file, _unencrypted_key, "an unencrypted PEM private key")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_file, key_file)
    except ssl.SSLError as error:  # both files are sound: the key is another certificate's
        raise ConfigError(f"TLS_KEY_FILE={key_file!r}: not the private key of the certificate "
                          f"in TLS_CERT_FILE ({error.reason})") from error
    return context


def _check(name: str, path: str, parse: Callable[[bytes], Any], expected: str) -> None:
    try:
        parse(Path(path).read_bytes())
    except OSError as error:
        raise ConfigError(f"{name}={path!r}: {error.strerror}") from error
    except (ValueError, TypeError) as error:  # TypeError: an encrypted key
        raise ConfigError(f"{name}={path!r}: expected {expected}") from error


def _unencrypted_key(pem: bytes) -> object:
    # A passphrase would have OpenSSL ask for it on the terminal of a server nobody watches.
    return load_pem_private_key(pem, password=None)
