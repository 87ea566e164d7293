"""The one way Plugboard sends e-mail: built from templates/mail/, delivered through SMTP_URL.

With SMTP_URL empty each e-mail is written to the log (logger `portal.mail`) instead, so
`make run` needs no mail server. Callers send after their commit (STYLE.md) and get
MailNotSent, never an smtplib or socket error, for an e-mail the server did not take: they
can record the failure and try again later.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app
from jinja2 import Template, TemplateNotFound

from portal import metrics
from portal.errors import DomainError, Invalid
from portal.models.base import utcnow
from portal.smtp_url import SmtpServer, smtp_server
from tenants.links import page_url

log = logging.getLogger("portal.mail")

TIMEOUT_SECONDS = 10  # per connection attempt and per answer of the server


class MailNotSent(DomainError):
    """The SMTP server could not be reached or did not take the e-mail; the reason says why."""

    status = 502


def compose(template: str, *, to: str | Address, subject: str, **context: Any) -> EmailMessage:
    """An e-mail from templates/mail/<template>.txt and, when it exists, <template>.html
    (then multipart/alternative, text first). Templates may call page_url(tenant, endpoint)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    try:
        message["To"] = to  # ValueError for a line break: no header can be slipped in
    except ValueError:
        raise Invalid("An e-mail address is one line.", field="to") from None
    if not message["To"].addresses or not all(a.domain for a in message["To"].addresses):
        raise Invalid(f"{to!s} is not an e-mail address.", field="to")
    message["Date"] = utcnow()
    message["Message-ID"] = make_msgid(domain=message["From"].addresses[0].domain)
    context = {"subject": subject, "page_url": page_url, **context}
    # Quoted-printable: any relay carries it, whatever the names and words (8-bit may not).
    message.set_content(_template(f"mail/{template}.txt").render(context),
                        cte="quoted-printable")
    html = _optional_template(f"mail/{template}.html")
    if html is not None:
        message.add_alternative(html.render(context), subtype="html", cte="quoted-printable")
    return message


def send(message: EmailMessage) -> None:
    """Deliver one e-mail; MailNotSent when it was not taken."""
    (failure,) = send_many([message])
    if failure is not None:
        raise failure


def send_many(messages: Sequence[EmailMessage]) -> list[MailNotSent | None]:
    """Deliver e-mails over one connection; for each, in order, None once the server took it
    or the MailNotSent saying why not. A refused recipient fails only that e-mail; a lost
    connection fails it and every one after it."""
    url = current_app.config["SMTP_URL"]
    if not url or not messages:
        for message in messages:
            _write_to_log(message)
        return [None] * len(messages)
    server = smtp_server(url)
    outcomes: list[MailNotSent | None] = []
    try:
        with _connection(server) as smtp:
            for message in messages:
                outcomes.append(_deliver(smtp, server, message))
    except (MailNotSent, smtplib.SMTPException, OSError) as error:
        if len(outcomes) < len(messages):  # else only the QUIT after the last one failed
            failure = _not_sent(server, error)
            outcomes += [failure] * (len(messages) - len(outcomes))
    metrics.MAIL_FAILURES.inc(sum(outcome is not None for outcome in outcomes))
    return outcomes


def delivery() -> str | None:
    """The SMTP server e-mail goes to, for people (no credentials); None: to the log."""
    url = current_app.config["SMTP_URL"]
    if not url:
        return None
    server = smtp_server(url)
    return f"{'smtps' if server.implicit_tls else 'smtp'}://{server.host}:{server.port}"


def _template(name: str) -> Template:
    return current_app.jinja_env.get_template(name)


def _optional_template(name: str) -> Template | None:
    try:
        return _template(name)
    except TemplateNotFound as missing:
        if missing.name != name:  # the template exists but includes a missing one
            raise
        return None


def _write_to_log(message: EmailMessage) -> None:
    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    text = message.get_body(preferencelist=("plain",))
    log.info("E-mail written here, not sent (SMTP_URL is empty):\n%s\n\n%s",
             headers, text.get_content() if text else "")


@contextmanager
def _connection(server: SmtpServer) -> Iterator[smtplib.SMTP]:
    context = _tls_context(server)
    if server.implicit_tls:
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS,
                                context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    with smtp:  # QUIT and close, however the block ends
        smtp.ehlo()
        if not server.implicit_tls and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
        if server.user is not None:
            if not isinstance(smtp.sock, ssl.SSLSocket):
                raise MailNotSent(f"{server.host}:{server.port} offers no STARTTLS: the "
                                  "password is not sent in clear (use smtps:// or a TLS relay)")
            smtp.login(server.user, server.password or "")
        yield smtp


def _tls_context(server: SmtpServer) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=current_app.config["SMTP_CA_FILE"] or None)
    if not server.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _deliver(smtp: smtplib.SMTP, server: SmtpServer,
             message: EmailMessage) -> MailNotSent | None:
    try:
        refused = smtp.send_message(message)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
            smtplib.SMTPNotSupportedError) as error:
        return _not_sent(server, error)  # this e-mail only: the connection is still good
    if refused:  # taken for some recipients: sending it again would reach them twice
        log.warning("%s refused %s for %s", server.host, ", ".join(refused), message["Subject"])
    return None


def _not_sent(server: SmtpServer, error: Exception) -> MailNotSent:
    failure = error if isinstance(error, MailNotSent) else MailNotSent(_reason(server, error))
    log.warning("E-mail not sent: %s", failure)
    return failure


def _reason(server: SmtpServer, error: Exception) -> str:
    where = f"{server.host}:{server.port}"
    match error:
        case smtplib.SMTPRecipientsRefused():
            return "; ".join(f"{server.host} refused the recipient {address}: {_said(answer)}"
                             for address, answer in error.recipients.items())
        case smtplib.SMTPAuthenticationError():
            return f"{server.host} refused the user name or password: {_said(error)}"
        case smtplib.SMTPSenderRefused():
            return f"{server.host} refused the sender {error.sender}: {_said(error)}"
        case smtplib.SMTPResponseException():
            return f"{server.host} answered {_said(error)}"
        case smtplib.SMTPServerDisconnected() if isinstance(error.__context__, TimeoutError):
            return f"{where} did not answer within {TIMEOUT_SECONDS} s"
        case smtplib.SMTPServerDisconnected():
            return f"{where} closed the connection ({error})"
        case ConnectionRefusedError():
            return f"nothing answers at {where} (connection refused)"
        case TimeoutError():
            return f"{where} did not answer within {TIMEOUT_SECONDS} s"
        case socket.gaierror():
            return f"cannot find the host {server.host} ({error.strerror})"
        case ssl.SSLCertVerificationError():
            return (f"the certificate of {server.host} is not trusted ({error.verify_message}); "
                    "see SMTP_CA_FILE")
        case ssl.SSLError():
            return f"TLS with {where} failed ({error.reason})"
        case OSError():
            return f"cannot reach {where} ({error.strerror or error})"
    return f"{where}: {error}"


def _said(answer: smtplib.SMTPResponseException | tuple[int, bytes]) -> str:
    code, text = ((answer.smtp_code, answer.smtp_error)
                  if isinstance(answer, smtplib.SMTPResponseException) else answer)
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
