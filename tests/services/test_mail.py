"""The mail service against a real SMTP server (aiosmtpd): what a recipient sees, over plain
SMTP, STARTTLS, smtps and with a log-in, and a readable MailNotSent whenever the server does
not take an e-mail."""

from __future__ import annotations

import logging
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import trustme
from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader
from prometheus_client import REGISTRY

from portal import config
from portal.config import ConfigError
from portal.errors import Invalid
from portal.models import Tenant
from portal.services import mail
from portal.services.mail import MailNotSent
from portal.smtp_url import SmtpServer, smtp_server
from tests.conftest import free_port
from tests.mail_server import Accounts, MailServer, allow_smtp_to, running_mail_server

ASA = Address("Åsa Öberg", addr_spec="asa@example.com")
SUBJECT = "Larm i Södra garaget: 2 laddare ⚡"
USER, PASSWORD = "portal@example.com", "p@ss:w/rd%1 +"
# Links need only the slug: the company need not be stored.
SODRA = Tenant(slug="sodra", name="Södra Laddning")
MAIL_FAILURES = "plugboard_mail_failures_total"


@pytest.fixture(autouse=True)
def portal_url(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PORTAL_URL", "https://localhost")
    monkeypatch.setitem(app.config, "MAIL_FROM", "Plugboard Ödeshög <noreply@example.com>")


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    """The test server's certificate for 127.0.0.1, signed by a CA only these tests know."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def trusted_ca(app: Flask, ca: trustme.CA, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    monkeypatch.setitem(app.config, "SMTP_CA_FILE", str(path))


@contextmanager
def serving(app: Flask, monkeypatch: pytest.MonkeyPatch, scheme: str = "smtp",
            credentials: str = "", query: str = "", **options: Any) -> Iterator[MailServer]:
    """A server started with aiosmtpd's `options`, with SMTP_URL pointing at it."""
    with running_mail_server(**options) as server:
        allow_smtp_to(monkeypatch, server.port)
        monkeypatch.setitem(app.config, "SMTP_URL", server.url(scheme, credentials, query))
        yield server


def _test_mail(app: Flask, to: str | Address = ASA) -> EmailMessage:
    with app.app_context():
        return mail.compose("test", to=to, subject=SUBJECT, delivery="the test server",
                            tenant=SODRA)


def _send(app: Flask, message: EmailMessage | None = None) -> None:
    message = message or _test_mail(app)
    with app.app_context():
        mail.send(message)


def test_an_e_mail_reaches_the_recipient_as_written(app: Flask, mail_server: MailServer) -> None:
    _send(app)

    (received,) = mail_server.received
    message = received.message
    assert message["Subject"] == SUBJECT
    assert message["From"].addresses[0] == Address("Plugboard Ödeshög", "noreply", "example.com")
    assert message["To"].addresses[0] == ASA
    assert received.sender == "noreply@example.com"
    assert received.recipients == ["asa@example.com"]
    assert message["Date"].datetime.tzinfo is not None
    assert message["Message-ID"].endswith("@example.com>")
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain", "text/html"]
    assert "This is a test e-mail from Plugboard" in received.text
    assert "Links in e-mails lead to https://sodra.localhost/" in received.text
    assert '<a href="https://sodra.localhost/"' in received.html
    assert not received.over_tls


def test_every_e_mail_has_its_own_message_id(app: Flask) -> None:
    assert _test_mail(app)["Message-ID"] != _test_mail(app)["Message-ID"]


def test_a_template_without_html_makes_a_text_only_e_mail(
        app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "notice.txt").write_text("Hej {{ name }}!")
    monkeypatch.setattr(app, "jinja_loader", ChoiceLoader([FileSystemLoader(tmp_path),
                                                           app.jinja_loader]))
    with app.app_context():
        message = mail.compose("notice", to=ASA, subject=SUBJECT, name="Åsa")
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "Hej Åsa!\n"


@pytest.mark.parametrize(("to", "problem"), [
    ("Åsa Öberg", "not an e-mail address"), ("asa@example.com\nBcc: eve@example.com", "one line"),
])
def test_a_recipient_that_is_no_address_is_refused(app: Flask, to: str, problem: str) -> None:
    with pytest.raises(Invalid, match=problem):
        _test_mail(app, to=to)


def test_send_many_uses_one_connection_and_a_refused_recipient_fails_only_its_e_mail(
        app: Flask, mail_server: MailServer) -> None:
    mail_server.refused_recipients.add("gone@example.com")
    messages = [_test_mail(app, to) for to in ("a@example.com", "gone@example.com",
                                               "b@example.com")]
    failures = REGISTRY.get_sample_value(MAIL_FAILURES)
    with app.app_context():
        first, refused, last = mail.send_many(messages)

    assert REGISTRY.get_sample_value(MAIL_FAILURES) == failures + 1
    assert first is None and last is None
    assert "refused the recipient gone@example.com: 550 5.1.1 No such mailbox" in str(refused)
    assert [received.recipients for received in mail_server.received] == [
        ["a@example.com"], ["b@example.com"]]
    assert len({received.peer for received in mail_server.received}) == 1


def test_send_raises_for_a_refused_recipient(app: Flask, mail_server: MailServer) -> None:
    mail_server.refused_recipients.add("asa@example.com")
    with pytest.raises(MailNotSent, match=re.escape("refused the recipient asa@example.com")):
        _send(app)


def test_starttls_is_used_when_offered_and_the_certificate_checked(
        app: Flask, monkeypatch: pytest.MonkeyPatch, server_tls: ssl.SSLContext,
        trusted_ca: None) -> None:
    with serving(app, monkeypatch, tls_context=server_tls) as server:
        _send(app)
    (received,) = server.received
    assert received.over_tls
    assert received.message["Subject"] == SUBJECT


def test_starttls_with_an_untrusted_certificate_sends_nothing(
        app: Flask, monkeypatch: pytest.MonkeyPatch, server_tls: ssl.SSLContext) -> None:
    with serving(app, monkeypatch, tls_context=server_tls) as server, \
            pytest.raises(MailNotSent, match=re.escape("certificate of 127.0.0.1 is not trusted")):
        _send(app)
    assert server.received == []


def test_verify_false_accepts_a_self_signed_relay(
        app: Flask, monkeypatch: pytest.MonkeyPatch, server_tls: ssl.SSLContext) -> None:
    with serving(app, monkeypatch, query="?verify=false", tls_context=server_tls) as server:
        _send(app)
    assert [received.over_tls for received in server.received] == [True]


def test_smtps_speaks_tls_from_the_first_byte(
        app: Flask, monkeypatch: pytest.MonkeyPatch, server_tls: ssl.SSLContext,
        trusted_ca: None) -> None:
    with serving(app, monkeypatch, scheme="smtps", ssl_context=server_tls) as server:
        _send(app)
    (received,) = server.received
    assert received.over_tls
    assert "https://sodra.localhost/" in received.text


def _credentials(user: str, password: str) -> str:
    return f"{quote(user, safe='')}:{quote(password, safe='')}"


def test_logs_in_with_the_url_encoded_user_and_password(
        app: Flask, monkeypatch: pytest.MonkeyPatch, server_tls: ssl.SSLContext,
        trusted_ca: None) -> None:
    with serving(app, monkeypatch, credentials=_credentials(USER, PASSWORD),
                 tls_context=server_tls, authenticator=Accounts(USER, PASSWORD),
                 auth_require_tls=True) as server:
        _send(app)
    assert [received.login for received in server.received] == [USER]


def test_a_wrong_password_is_mail_not_sent_with_the_servers_answer(
        app: Flask, monkeypatch: pytest.MonkeyPatch, server_tls: ssl.SSLContext,
        trusted_ca: None) -> None:
    with serving(app, monkeypatch, credentials=_credentials(USER, "wrong"),
                 tls_context=server_tls, authenticator=Accounts(USER, PASSWORD),
                 auth_require_tls=True) as server, \
            pytest.raises(MailNotSent, match="refused the user name or password: 535"):
        _send(app)
    assert server.received == []


def test_the_password_is_never_sent_without_tls(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(app, monkeypatch, credentials=_credentials(USER, PASSWORD)) as server, \
            pytest.raises(MailNotSent, match="offers no STARTTLS: the password is not sent"):
        _send(app)
    assert server.received == []


def test_a_server_that_is_down_is_mail_not_sent(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens there
    allow_smtp_to(monkeypatch, port)
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")
    message = _test_mail(app)
    failures = REGISTRY.get_sample_value(MAIL_FAILURES)
    with app.app_context():
        outcomes = mail.send_many([message, message])
    assert [str(outcome) for outcome in outcomes] == [
        f"nothing answers at 127.0.0.1:{port} (connection refused)"] * 2
    assert REGISTRY.get_sample_value(MAIL_FAILURES) == failures + 2


def test_a_server_that_never_answers_fails_after_the_timeout(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mail, "TIMEOUT_SECONDS", 0.5)
    with socket.socket() as silent:  # takes the connection, never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        allow_smtp_to(monkeypatch, port)
        monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")
        expected = re.escape(f"127.0.0.1:{port} did not answer within 0.5 s")
        with pytest.raises(MailNotSent, match=expected):
            _send(app)


def test_without_smtp_url_the_e_mail_is_written_to_the_log_and_not_sent(
        app: Flask, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    with caplog.at_level(logging.INFO, logger="portal.mail"):
        _send(app)

    (record,) = [record for record in caplog.records if record.name == "portal.mail"]
    assert record.levelno == logging.INFO
    logged = record.getMessage()
    assert f"Subject: {SUBJECT}" in logged
    assert "To: Åsa Öberg <asa@example.com>" in logged
    assert "This is a test e-mail from Plugboard" in logged
    assert "<a href" not in logged  # the text part, not the HTML
    assert mail_server.received == []


@pytest.mark.parametrize(("value", "problem"), [
    ("mail.example.com", "smtp:// or smtps://"),
    ("smtp://", "expected a host"),
    ("smtp://mail.example.com:99999", "port number"),
    ("smtp://user@mail.example.com", "both a user and a password"),
    ("smtp://mail.example.com?verify=maybe", "verify=false"),
    ("smtp://mail.example.com/relay", "nothing after the host"),
    ("smtp://user:p%C3%A4ss@mail.example.com", "ASCII"),
])
def test_a_bad_smtp_url_stops_the_start_saying_why(value: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=rf"SMTP_URL=.*{problem}"):
        config.load({"SMTP_URL": value})


def test_a_bad_smtp_url_is_reported_without_its_password() -> None:
    with pytest.raises(ConfigError) as error:
        config.load({"SMTP_URL": "smtp://user:s3cret@mail.example.com:0"})
    assert "s3cret" not in str(error.value)


def test_smtp_url_reads_defaults_and_encoded_credentials() -> None:
    assert smtp_server("smtps://us%40er:p%2Fw@mail.example.com") == SmtpServer(
        host="mail.example.com", port=465, implicit_tls=True, user="us@er", password="p/w",
        verify=True)
    assert smtp_server("smtp://mail.example.com?verify=false").port == 25


@pytest.mark.parametrize(("name", "value"), [
    ("SMTP_CA_FILE", "/nowhere/ca.pem"), ("MAIL_FROM", "Plugboard"),
])
def test_mail_settings_are_checked_at_start(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        config.load({name: value})
