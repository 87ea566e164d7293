"""`flask services add`: prints the new service's id; bad input changes nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ServiceKind, Tag, Tenant, ThirdPartyService
from portal.services import third_party
from tenants.scoping import tenant_scope
from tests.factories import make_tenant
from tests.partner_server import SECRET


def _run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["services", "add", *args])


def test_each_kind_is_added_and_its_id_printed(app: Flask) -> None:
    company = make_tenant(app)
    common = ("--url", "https://partner.example.com/hook", "--secret", SECRET)
    webhook = _run(app, company.slug, "--kind", "webhook", "--name", "ERP", *common,
                   "--events", "session.ended, alarm.raised")
    payment = _run(app, company.slug, "--kind", "payment", "--name", "Easypark", *common,
                   "--tag", "EASYPARK")
    map_ = _run(app, company.slug, "--kind", "map", "--name", "Nobil", *common)
    assert (webhook.exit_code, payment.exit_code, map_.exit_code) == (0, 0, 0), webhook.output
    ids = [int(result.output.strip()) for result in (webhook, payment, map_)]
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        services = [db.session.get(ThirdPartyService, id_) for id_ in ids]
        assert [service.kind for service in services] == [
            ServiceKind.WEBHOOK, ServiceKind.PAYMENT, ServiceKind.MAP]
        assert services[0].events == ["session.ended", "alarm.raised"]
        assert services[1].id_tag == "EASYPARK"
        assert third_party.secret(services[2]) == SECRET
        tag = db.session.scalar(select(Tag).where(Tag.id_tag == "EASYPARK"))
        assert tag.max_active_transactions < 0  # sessions on many outlets at once


@pytest.mark.parametrize(("args", "message"), [
    (["--kind", "webhook", "--events", "session.paid"], "Unknown event 'session.paid'"),
    (["--kind", "webhook"], "Choose at least one event"),
    (["--kind", "payment"], "Enter the idTag"),
    (["--kind", "map", "--url", "not a url"], "starting with https://"),
    (["--kind", "map", "--secret", "short"], "at least 16 characters"),
    (["--kind", "parking"], "Invalid value for '--kind'"),
])
def test_bad_input_is_refused_and_adds_nothing(app: Flask, args: list[str],
                                               message: str) -> None:
    company = make_tenant(app)
    defaults = {"--name": "Partner", "--url": "https://partner.example.com/hook",
                "--secret": SECRET}
    given = dict(zip(args[::2], args[1::2], strict=True))
    result = _run(app, company.slug, *[part for key, value in {**defaults, **given}.items()
                                        for part in (key, value)])
    assert result.exit_code != 0 and message in result.output
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        assert db.session.scalar(select(func.count()).select_from(ThirdPartyService)) == 0


def test_a_name_is_unique_in_the_company(app: Flask) -> None:
    company = make_tenant(app)
    args = (company.slug, "--kind", "map", "--name", "Nobil", "--url",
            "https://nobil.example.com", "--secret", SECRET)
    assert _run(app, *args).exit_code == 0
    again = _run(app, *args)
    assert again.exit_code == 1 and "named 'Nobil' already" in again.output
