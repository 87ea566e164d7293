"""`flask mail test ADDRESS`: the operator's end-to-end check of SMTP_URL."""

from __future__ import annotations

import pytest
from click.testing import Result
from flask import Flask

from tests.conftest import free_port
from tests.factories import make_tenant
from tests.mail_server import MailServer, allow_smtp_to


def _mail_test(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["mail", "test", *args])


def test_sends_a_test_e_mail_with_a_link_into_the_companys_portal(
        app: Flask, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PORTAL_URL", "http://localhost:8000")
    company = make_tenant(app)

    result = _mail_test(app, "ops@example.com", "--tenant", company.slug)

    assert result.exit_code == 0, result.output
    assert result.output == (f"Sent to ops@example.com through "
                             f"smtp://127.0.0.1:{mail_server.port}.\n")
    (received,) = mail_server.received
    assert received.message["Subject"] == "Plugboard test e-mail"
    assert received.recipients == ["ops@example.com"]
    assert f"sent through smtp://127.0.0.1:{mail_server.port}" in received.text
    assert f"http://{company.slug}.localhost:8000/" in received.html


def test_without_a_company_the_link_is_the_bare_domain(
        app: Flask, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PORTAL_URL", "https://localhost")
    assert _mail_test(app, "ops@example.com").exit_code == 0
    assert "Links in e-mails lead to https://localhost/" in (
        mail_server.received[0].text.splitlines())


def test_a_server_that_is_down_exits_1_with_the_reason(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    allow_smtp_to(monkeypatch, port)
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")

    result = _mail_test(app, "ops@example.com")

    assert result.exit_code == 1
    assert f"Not sent: nothing answers at 127.0.0.1:{port} (connection refused)" in result.output


def test_without_smtp_url_it_says_the_e_mail_went_to_the_log(
        app: Flask, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    result = _mail_test(app, "ops@example.com")
    assert result.exit_code == 0
    assert "SMTP_URL is empty: the test e-mail to ops@example.com was written to the log" in (
        result.output)
    assert mail_server.received == []


@pytest.mark.parametrize(("args", "message"), [
    (["not-an-address"], "Not sent: not-an-address is not an e-mail address."),
    (["ops@example.com", "--tenant", "no-such-company"], "No company with slug"),
])
def test_bad_input_exits_1_and_sends_nothing(app: Flask, mail_server: MailServer,
                                             args: list[str], message: str) -> None:
    result = _mail_test(app, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert mail_server.received == []
