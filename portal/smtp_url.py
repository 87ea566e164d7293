"""SMTP_URL read into the parts the mail service connects with (checked at start too)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class SmtpServer:
    """Where e-mail goes, as SMTP_URL says."""

    host: str
    port: int
    implicit_tls: bool  # smtps://: TLS from the first byte; smtp:// upgrades with STARTTLS
    user: str | None
    password: str | None
    verify: bool  # check the server's certificate (`?verify=false` for a self-signed relay)


def smtp_server(url: str) -> SmtpServer:
    """Read `smtp[s]://[user:password@]host[:port][?verify=false]`; ValueError says what is
    wrong."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError("expected a URL starting with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("expected a host, as in smtp://mail.example.com")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is None:
        port = 465 if parts.scheme == "smtps" else 25
    if not 1 <= port <= 65535:
        raise ValueError("expected a port number from 1 to 65535")
    if (parts.username is None) != (parts.password is None):
        raise ValueError("expected both a user and a password (user:password@host) or neither")
    user, password = (None if part is None else unquote(part)
                      for part in (parts.username, parts.password))
    if not f"{user}{password}".isascii():
        raise ValueError("expected a user and password in ASCII (smtplib sends no other)")
    query = parse_qs(parts.query, keep_blank_values=True)
    if parts.path not in {"", "/"} or set(query) - {"verify"}:
        raise ValueError("expected nothing after the host and port but ?verify=false")
    return SmtpServer(host=parts.hostname, port=port, implicit_tls=parts.scheme == "smtps",
                      user=user, password=password,
                      verify=_verify(query.get("verify", ["true"])[-1]))


def _verify(raw: str) -> bool:
    if raw not in {"true", "false"}:
        raise ValueError("expected ?verify=false or ?verify=true")
    return raw == "true"
