"""TLS without a proxy: `flask serve` and gunicorn (as the Procfile runs it) serve HTTPS and
wss:// with TLS_CERT_FILE and TLS_KEY_FILE, TLS 1.2 or newer, and nothing in plain HTTP."""

from __future__ import annotations

import socket
import ssl
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
import requests
import trustme
from cryptography.hazmat.primitives import serialization
from flask import Flask
from websockets.exceptions import InvalidStatus

from portal import config
from portal.config import ConfigError
from portal.tls import server_context
from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_gunicorn, running_server
from tests.ocpp.conftest import KEY, OcppCompany, seed
from tests.ocpp.station_client import Station, basic_auth, open_socket


@dataclass(frozen=True)
class Certificate:
    """A server certificate of the test's own CA, in files as a server is given them."""

    ca: trustme.CA
    ca_file: Path
    cert_file: Path
    key_file: Path

    def trusting_client(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


def issue(ca: trustme.CA, directory: Path, name: str) -> Certificate:
    leaf = ca.issue_cert(name)
    ca_file, cert_file, key_file = (directory / f"{name}.{kind}" for kind in ("ca", "crt", "key"))
    ca.cert_pem.write_to_path(str(ca_file))
    cert_file.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(key_file))
    return Certificate(ca, ca_file, cert_file, key_file)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return issue(trustme.CA(), tmp_path_factory.mktemp("tls"), "localhost")


@dataclass(frozen=True)
class TLSServer:
    port: int
    log: IO[bytes]

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}/"

    def printed(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


@pytest.fixture(scope="module", params=["flask serve", "gunicorn"])
def server(request: pytest.FixtureRequest, database_url: str, app: Flask,
           certificate: Certificate) -> Iterator[TLSServer]:
    running = running_server if request.param == "flask serve" else running_gunicorn
    port = free_port()
    with tempfile.TemporaryFile() as log, running(
            database_url, port, log, TLS_CERT_FILE=str(certificate.cert_file),
            TLS_KEY_FILE=str(certificate.key_file), HSTS_SECONDS="3600"):
        server = TLSServer(port, log)
        # gunicorn listens before its worker is up: the first answer waits for it.
        requests.get(server.url, verify=str(certificate.ca_file), timeout=120)
        yield server


@pytest.fixture
def company(app: Flask, server: TLSServer) -> OcppCompany:
    made = make_tenant(app)
    company = OcppCompany(made.slug, made.tenant_id, app, server.port)
    company.change(seed)
    return company


def test_https_client_trusting_the_ca_is_served_as_over_https(
        server: TLSServer, certificate: Certificate) -> None:
    response = requests.get(server.url, verify=str(certificate.ca_file), timeout=10)
    assert response.status_code == 200
    # No proxy header says so: the server itself tells the portal the request is secure.
    assert response.headers["Strict-Transport-Security"] == "max-age=3600"
    assert "Secure" in response.headers["Set-Cookie"]


def test_security_profile_2_station_boots_over_wss_with_its_key(
        company: OcppCompany, certificate: Certificate) -> None:
    with Station(company.port, company.slug, "CP1", KEY, bare_domain=True,
                 tls=certificate.trusting_client()) as station:
        assert station.ws.subprotocol == "ocpp1.6"
        assert station.boot()["status"] == "Accepted"
        assert station.result("Heartbeat")["currentTime"]


def test_station_with_a_wrong_key_is_refused_over_wss(
        company: OcppCompany, certificate: Certificate) -> None:
    with pytest.raises(InvalidStatus) as refused, open_socket(
            company.port, "localhost", f"/ocpp/{company.slug}/CP1",
            authorization=basic_auth("CP1", "not-the-key-at-all"),
            tls=certificate.trusting_client()):
        pass
    assert refused.value.response.status_code == 401


def test_tls_1_1_client_is_refused_by_the_server(
        server: TLSServer, certificate: Certificate) -> None:
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    certificate.ca.configure_trust(client)
    client.set_ciphers("DEFAULT:@SECLEVEL=0")  # so that this side may offer TLS 1.1 at all
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.1 is, here on purpose
        client.minimum_version = client.maximum_version = ssl.TLSVersion.TLSv1_1
    # The server's alert, not this side's refusal to offer 1.1, is what ends the handshake.
    with pytest.raises(ssl.SSLError, match="TLSV1_ALERT_PROTOCOL_VERSION"):
        handshake(server.port, client)


def test_client_not_trusting_the_ca_fails_and_plain_http_gets_nothing(
        server: TLSServer) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(server.port, ssl.create_default_context())
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://localhost:{server.port}/", timeout=10)
    assert "Traceback" not in server.printed()


def handshake(port: int, client: ssl.SSLContext) -> None:
    """A bare TLS handshake with the server, as `localhost`."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, client.wrap_socket(
            raw, server_hostname="localhost"):
        pass


def test_only_one_of_the_two_files_stops_the_start() -> None:
    for name in ("TLS_CERT_FILE", "TLS_KEY_FILE"):
        with pytest.raises(ConfigError, match="TLS_CERT_FILE and TLS_KEY_FILE go together"):
            config.flask_config(config.load({name: "/etc/ssl/plugboard.pem"}))


@pytest.mark.parametrize(("port", "portal_url"), [("8443", "https://localhost:8443"),
                                                  ("443", "https://localhost")])
def test_with_tls_cookies_are_secure_and_links_are_https(port: str, portal_url: str) -> None:
    flask = config.flask_config(config.load({
        "TLS_CERT_FILE": "/etc/ssl/plugboard.crt", "TLS_KEY_FILE": "/etc/ssl/plugboard.key",
        "PORT": port}))
    assert flask["SESSION_COOKIE_SECURE"] and flask["REMEMBER_COOKIE_SECURE"]
    assert flask["PORTAL_URL"] == portal_url


@pytest.fixture(scope="module")
def unusable(certificate: Certificate) -> Path:
    """Beside the good files: another certificate's, and the good key encrypted."""
    directory = certificate.cert_file.parent
    issue(certificate.ca, directory, "other")
    key = serialization.load_pem_private_key(certificate.key_file.read_bytes(), password=None)
    (directory / "encrypted.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase")))
    return directory


KEY_EXPECTED = r"TLS_KEY_FILE='.*': expected an unencrypted PEM private key"
UNUSABLE_FILES = [
    # (TLS_CERT_FILE, TLS_KEY_FILE, what the start says)
    ("missing.crt", "localhost.key", r"TLS_CERT_FILE='.*missing.crt': No such file"),
    ("localhost.key", "localhost.key", r"TLS_CERT_FILE='.*': expected a PEM certificate"),
    ("localhost.crt", "localhost.crt", KEY_EXPECTED),
    ("localhost.crt", "encrypted.key", KEY_EXPECTED),
    ("localhost.crt", "other.key",
     r"TLS_KEY_FILE='.*other.key': not the private key of the certificate in TLS_CERT_FILE"),
]


@pytest.mark.parametrize(("cert_file", "key_file", "message"), UNUSABLE_FILES)
def test_unusable_files_stop_the_start_naming_the_setting(
        unusable: Path, cert_file: str, key_file: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        server_context(str(unusable / cert_file), str(unusable / key_file))


def test_flask_serve_with_an_unusable_file_exits_with_the_reason(
        app: Flask, unusable: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "TLS_CERT_FILE", str(unusable / "localhost.crt"))
    monkeypatch.setitem(app.config, "TLS_KEY_FILE", str(unusable / "missing.key"))
    result = app.test_cli_runner().invoke(args=["serve"])
    assert result.exit_code == 1
    assert "TLS_KEY_FILE=" in result.output and "No such file or directory" in result.output
