"""A real SMTP server (aiosmtpd) started by a test; it keeps what it receives, parsed.

The `mail_server` fixture (conftest.py) starts a plain one and points SMTP_URL at it; tests
of TLS and log-in start their own with `running_mail_server(...)` and `allow_smtp_to(...)`.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

# Kept before the suite's guard (conftest.py) replaces it for every test.
REAL_SMTP_CONNECT = smtplib.SMTP.connect


@dataclass(frozen=True)
class Received:
    """One e-mail as the server took it."""

    sender: str
    recipients: list[str]
    message: EmailMessage
    over_tls: bool
    login: str | None  # the user name it logged in with
    peer: tuple[str, int]  # the client's address: one per connection

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()


@dataclass
class MailServer:
    port: int
    refused_recipients: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)

    def url(self, scheme: str = "smtp", credentials: str = "", query: str = "") -> str:
        login = f"{credentials}@" if credentials else ""
        return f"{scheme}://{login}127.0.0.1:{self.port}{query}"

    # aiosmtpd's handler hooks: they run in the server's thread.
    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address in self.refused_recipients:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        login = session.auth_data.login.decode() if session.authenticated else None
        self.received.append(Received(
            sender=envelope.mail_from or "", recipients=list(envelope.rcpt_tos),
            message=message, login=login,
            over_tls=server.transport.get_extra_info("ssl_object") is not None,
            peer=tuple(session.peer)))
        return "250 Message accepted for delivery"


class Accounts:
    """An aiosmtpd authenticator that knows one user."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: Any) -> AuthResult:
        known = (isinstance(auth_data, LoginPassword)
                 and auth_data.login.decode() == self.user
                 and auth_data.password.decode() == self.password)
        return AuthResult(success=known, handled=False, auth_data=auth_data)


@contextmanager
def running_mail_server(**controller_options: Any) -> Iterator[MailServer]:
    """An aiosmtpd server on a free loopback port; options as aiosmtpd's Controller takes
    them (tls_context for STARTTLS, ssl_context for smtps, authenticator, ...)."""
    from tests.conftest import free_port  # here: conftest.py imports this module

    server = MailServer(free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port,
                            **controller_options)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def allow_smtp_to(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    """Lift the suite's guard against outbound mail, for connections to this port only."""

    def connect(smtp: smtplib.SMTP, host: str = "localhost", port_: int = 0,
                source_address: tuple[str, int] | None = None) -> tuple[int, bytes]:
        if port_ != port:
            raise AssertionError(f"unexpected outbound SMTP connection to {host}:{port_}")
        return REAL_SMTP_CONNECT(smtp, host, port_, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", connect)
