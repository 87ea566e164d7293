"""The audit log's writer on its own: values a session did not know, references by name,
one entry per row and transaction, secrets masked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Role, ServiceKind, Tag, Tenant, ThirdPartyService, User
from portal.services import audit, tags
from tenants.scoping import tenant_scope
from tests.factories import make_tenant

TESTER = audit.Actor("tester@example.com", address="192.0.2.7")


@pytest.fixture
def tenant(app: Flask) -> Iterator[Tenant]:
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant), audit.acting(TESTER):
            yield tenant


def _entries() -> list[tuple[str, str, dict | None, dict | None]]:
    return [(entry.action, entry.target, entry.before, entry.after) for entry in
            db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_a_value_set_after_a_commit_is_recorded_with_the_value_it_replaced(
        tenant: Tenant) -> None:
    tag = tags.add(tenant, "CARD-9", note="old")
    db.session.commit()  # expires the tag: the session no longer knows its note
    tag.note = "new"
    db.session.commit()
    created, changed = _entries()
    assert created[:2] == ("created", "CARD-9") and created[3]["note"] == "old"
    assert changed == ("changed", "CARD-9", {"note": "old"}, {"note": "new"})


def test_a_card_given_to_a_person_names_them_and_changes_over_flushes_make_one_entry(
        tenant: Tenant) -> None:
    tag = tags.add(tenant, "CARD-8", note="first")
    driver = db.session.scalars(select(User).where(User.role == Role.ADMIN)).first()
    db.session.commit()
    tags.set_owner(tag, driver)  # through the relationship: the key is set at the flush
    tag.note = "second"
    db.session.flush()
    tag.note = "first"  # back as it was: not a change
    tag.max_active_transactions = 4
    db.session.commit()
    assert _entries()[1:] == [("changed", "CARD-8", {"max_active_transactions": 1},
                               {"owner": driver.email, "max_active_transactions": 4})]
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.actor, entry.address, entry.target_kind) == (
        "tester@example.com", "192.0.2.7", "tag")


def test_secrets_are_masked_and_nothing_is_kept_of_a_rolled_back_change(
        tenant: Tenant) -> None:
    db.session.add(ThirdPartyService(
        tenant_id=tenant.id, kind=ServiceKind.WEBHOOK, provider="webhook", name="Billing",
        settings={"url": "https://billing.example/hook", "secret": "s3cr3t-value"}))
    db.session.commit()
    tag = tags.add(tenant, "CARD-7")
    db.session.flush()
    db.session.rollback()
    [(action, name, before, after)] = _entries()
    assert (action, name, before) == ("created", "Billing", None)
    assert after["settings"] == {"url": "https://billing.example/hook", "secret": "********"}
    assert db.session.scalar(select(Tag).where(Tag.id_tag == "CARD-7")) is None
    assert tag is not None


def test_a_savepoint_rolled_back_takes_its_entries_and_a_deleted_row_keeps_its_values(
        tenant: Tenant) -> None:
    kept = tags.add(tenant, "CARD-6", note="kept")
    db.session.commit()  # expires it: its values are read again before it goes
    try:
        with db.session.begin_nested():
            tags.add(tenant, "CARD-5")
            db.session.flush()
            raise RuntimeError("a refused row")
    except RuntimeError:
        pass
    db.session.delete(kept)
    db.session.commit()
    assert [(action, name) for action, name, _, _ in _entries()] == [
        ("created", "CARD-6"), ("deleted", "CARD-6")]
    assert _entries()[1][2]["note"] == "kept"


def test_a_secret_configuration_value_is_masked_and_its_key_shown(tenant: Tenant) -> None:
    tenant.default_configuration = [{"key": "MeterValueSampleInterval", "value": "60"},
                                    {"key": "WebUiPassword", "value": "hunter2"}]
    db.session.commit()
    [(action, name, before, after)] = _entries()
    assert (action, name, before) == ("changed", "Company", None)
    assert after == {"default_configuration": [
        {"key": "MeterValueSampleInterval", "value": "60"},
        {"key": "WebUiPassword", "value": "********"}]}
