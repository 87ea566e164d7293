"""The operator's CLI: clear messages and a non-zero exit for bad input, nothing half-made."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Outlet, OutletMode, Site, Station, Tag, Tenant
from portal.services import api_tokens
from tenants import provisioning
from tenants.scoping import tenant_scope
from tests.api.client import Api
from tests.factories import PASSWORD, make_tenant, unique_slug


def _run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def _count(app: Flask, slug: str, model: type) -> int:
    with app.app_context():
        tenant = provisioning.find_by_slug(slug)
        with tenant_scope(tenant):
            return db.session.scalar(select(func.count()).select_from(model))


def test_tenants_create_and_list(app: Flask) -> None:
    slug = unique_slug()
    result = _run(app, "tenants", "create", slug, "--name", "Fast Cars",
                  "--admin-email", f"boss@{slug}.example", "--admin-password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert f"Created {slug} (Fast Cars)" in result.output
    assert f"{slug}\tFast Cars" in _run(app, "tenants", "list").output


def test_tenants_create_refuses_duplicates_and_bad_slugs(app: Flask) -> None:
    existing = make_tenant(app)
    for slug, message in [(existing.slug, "already exists"), ("Bad_Slug", "not a valid")]:
        result = _run(app, "tenants", "create", slug, "--name", "X",
                      "--admin-email", "x@example.com", "--admin-password", PASSWORD)
        assert result.exit_code == 1
        assert message in result.output


def test_tenants_create_with_a_weak_password_creates_nothing(app: Flask) -> None:
    slug = unique_slug()
    result = _run(app, "tenants", "create", slug, "--name", "X",
                  "--admin-email", "x@example.com", "--admin-password", "weak")
    assert result.exit_code == 1
    assert "at least 8 characters" in result.output
    with app.app_context():
        assert provisioning.find_by_slug(slug) is None


def test_tenants_create_needs_its_options(app: Flask) -> None:
    result = _run(app, "tenants", "create", unique_slug())
    assert result.exit_code == 2
    assert "Missing option '--name'" in result.output


def test_stations_add_with_site_and_key(app: Flask) -> None:
    company = make_tenant(app)
    result = _run(app, "stations", "add", company.slug, "CP-CLI-1",
                  "--auth-key", "0123456789abcdef", "--site", "Depot")
    assert result.exit_code == 0, result.output
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        station = db.session.scalar(select(Station).where(Station.charge_box_id == "CP-CLI-1"))
        assert station.site.name == "Depot"
        assert station.auth_key_hash and "0123456789abcdef" not in station.auth_key_hash


def test_stations_add_with_a_short_key_leaves_no_site_behind(app: Flask) -> None:
    company = make_tenant(app)
    result = _run(app, "stations", "add", company.slug, "CP-CLI-2", "--auth-key", "short",
                  "--site", "Depot")
    assert result.exit_code == 1
    assert "16 to 40 printable characters" in result.output
    assert _count(app, company.slug, Station) == 0
    assert _count(app, company.slug, Site) == 0


def test_stations_add_refuses_a_duplicate_and_an_unknown_company(app: Flask) -> None:
    company = make_tenant(app)
    assert _run(app, "stations", "add", company.slug, "CP-DUP").exit_code == 0
    duplicate = _run(app, "stations", "add", company.slug, "CP-DUP")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    unknown = _run(app, "stations", "add", "no-such-company", "CP-DUP")
    assert unknown.exit_code == 1 and "No company with slug 'no-such-company'" in unknown.output


def test_stations_heartbeat_sets_the_company_default_and_a_stations_own(app: Flask) -> None:
    company = make_tenant(app)
    assert _run(app, "stations", "add", company.slug, "CP-HB").exit_code == 0
    result = _run(app, "stations", "heartbeat", company.slug, "600")
    assert result.exit_code == 0, result.output
    assert "none of their own: 600 s" in result.output
    assert _run(app, "stations", "heartbeat", company.slug, "90", "--station", "CP-HB").output \
        == "CP-HB: 90 s.\n"
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        station = db.session.scalar(select(Station).where(Station.charge_box_id == "CP-HB"))
        assert (station.heartbeat_interval, station.heartbeat_period) == (90, 90)
    result = _run(app, "stations", "heartbeat", company.slug, "default", "--station", "CP-HB")
    assert result.output == "CP-HB: the company interval.\n"
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        station = db.session.scalar(select(Station).where(Station.charge_box_id == "CP-HB"))
        assert (station.heartbeat_interval, station.heartbeat_period) == (None, 600)


@pytest.mark.parametrize("seconds", ["0", "86401", "1.5", "1e3", "abc", "default"])
def test_stations_heartbeat_refuses_what_is_not_1_to_86400_seconds(app: Flask,
                                                                   seconds: str) -> None:
    company = make_tenant(app)
    result = _run(app, "stations", "heartbeat", company.slug, seconds)
    assert result.exit_code == 1
    assert "whole number of seconds from 1 to 86400" in result.output
    with app.app_context():
        assert provisioning.find_by_slug(company.slug).heartbeat_interval == 300


def test_stations_heartbeat_of_an_unknown_station_changes_nothing(app: Flask) -> None:
    company = make_tenant(app)
    result = _run(app, "stations", "heartbeat", company.slug, "60", "--station", "CP-NONE")
    assert result.exit_code == 1 and f"No station CP-NONE in {company.slug}" in result.output


def test_tags_add_with_every_option(app: Flask) -> None:
    company = make_tenant(app)
    assert _run(app, "tags", "add", company.slug, "PARENT1").exit_code == 0
    result = _run(app, "tags", "add", company.slug, "CHILD1", "--expiry", "2027-01-31",
                  "--max-active", "-1", "--blocked", "--parent", "PARENT1")
    assert result.exit_code == 0, result.output
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        tag = db.session.scalar(select(Tag).where(Tag.id_tag == "CHILD1"))
        assert tag.parent.id_tag == "PARENT1"
        assert tag.blocked and tag.max_active_transactions == -1
        assert tag.expiry_at.isoformat() == "2027-01-31T00:00:00+00:00"


def test_tags_add_refuses_bad_input_and_adds_nothing(app: Flask) -> None:
    company = make_tenant(app)
    cases = [
        (["--expiry", "yesterday"], 2, "not an ISO date"),
        (["--parent", "NOPE"], 1, "No parent tag NOPE"),
        (["--max-active", "many"], 2, "is not a valid integer"),
        (["--max-active", "99999999999"], 2, "is not in the range"),
        (["--expiry", "0001-01-01T00:00:00+01:00"], 2, "not an ISO date"),
    ]
    for options, exit_code, message in cases:
        result = _run(app, "tags", "add", company.slug, "TAG1", *options)
        assert result.exit_code == exit_code, result.output
        assert message in result.output
    too_long = _run(app, "tags", "add", company.slug, "X" * 21)
    assert too_long.exit_code == 1 and "1 to 20 characters" in too_long.output
    assert _count(app, company.slug, Tag) == 0


def test_demo_seeds_once_and_prints_the_logins(app: Flask) -> None:
    with app.app_context():
        already = provisioning.find_by_slug("demo") is not None
    first = _run(app, "demo")
    assert first.exit_code == 0, first.output
    assert "admin@demo.example" in first.output and "demo-admin-1" in first.output
    stations = _count(app, "demo", Station)
    second = _run(app, "demo")
    assert second.exit_code == 0
    assert "exists already; nothing was added" in second.output
    assert _count(app, "demo", Station) == stations > 0
    if not already:
        assert "Seeded the demo company" in first.output
    with app.app_context():
        tenant = provisioning.find_by_slug("demo")
        with tenant_scope(tenant):  # a visitor charger, and keys for every first boot
            assert db.session.scalar(select(func.count()).select_from(Outlet).where(
                Outlet.mode == OutletMode.OPEN)) > 0
        assert {entry["key"] for entry in tenant.default_configuration} == {
            "MeterValuesSampledData", "ConnectionTimeOut"}


def test_tokens_create_prints_a_token_only_its_company_accepts(app: Flask) -> None:
    company, other = make_tenant(app), make_tenant(app)
    result = _run(app, "tokens", "create", company.slug, "--name", "Energy platform",
                  "--role", "support")
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("pb_")
    with app.app_context():
        with tenant_scope(db.session.get(Tenant, company.tenant_id)):
            token = api_tokens.find_by_secret(secret)
            assert token is not None and token.name == "Energy platform"
            assert token.token_hash != secret and secret not in token.prefix + token.token_hash
        with tenant_scope(db.session.get(Tenant, other.tenant_id)):
            assert api_tokens.find_by_secret(secret) is None  # another company's token


def test_tokens_create_a_monitor_token_that_reads_and_may_not_operate(app: Flask) -> None:
    company = make_tenant(app)
    result = _run(app, "tokens", "create", company.slug, "--name", "Wall display",
                  "--role", "monitor")
    assert result.exit_code == 0, result.output
    assert f"Token 'Wall display' (monitor) for {company.slug}" in result.output
    api = Api(app, company, result.output.strip().splitlines()[-1])
    assert api.get("/api/v1/transactions").status_code == 200
    command = api.post("/api/v1/stations/CP1/commands", {"action": "ClearCache", "payload": {}})
    assert command.status_code == 403
    assert command.get_json()["error"] == "forbidden"


def test_tokens_create_refuses_other_roles(app: Flask) -> None:
    result = _run(app, "tokens", "create", make_tenant(app).slug, "--name", "X",
                  "--role", "ev_user")
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output


def test_users_create_each_role_and_list_them(app: Flask) -> None:
    company = make_tenant(app)
    slug = company.slug
    assert _run(app, "stations", "add", slug, "CP-U1", "--site", "Depot").exit_code == 0
    for args in (["--role", "site-admin", "--email", "site@x.example", "--site", "Depot"],
                 ["--role", "support", "--email", "sup@x.example"],
                 ["--role", "ev-user", "--email", "ev@x.example", "--site", "Depot",
                  "--tag", "CARD-1", "--tag", "CARD-2", "--first-name", "Eve"]):
        result = _run(app, "users", "create", slug, "--password", PASSWORD, *args)
        assert result.exit_code == 0, result.output
    assert f"Created ev@x.example (EV user) in {slug}." in result.output
    rows = [line.split("\t") for line in _run(app, "users", "list", slug).output.splitlines()]
    rows[1][4] = " ".join(sorted(rows[1][4].split()))  # tags in no particular order
    assert rows == [
        [f"admin@{slug}.example", "Administrator", "", "", "", "active"],
        ["ev@x.example", "EV user", "Eve", "Depot", "CARD-1 CARD-2", "active"],
        ["site@x.example", "Site administrator", "", "Depot", "", "active"],
        ["sup@x.example", "Support", "", "", "", "active"],
    ]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--role", "site-admin", "--email", "s@x.example"], 1, "A site administrator needs a site"),
    (["--role", "site-admin", "--email", "s@x.example", "--site", "Nowhere"], 1,
     "No site 'Nowhere'"),
    (["--role", "support", "--email", "s@x.example", "--site", "Depot"], 2,
     "--site is for site-admin and ev-user"),
    (["--role", "admin", "--email", "s@x.example", "--tag", "T1"], 2, "--tag is for ev-user"),
    (["--role", "monitor", "--email", "s@x.example"], 2, "Invalid value for '--role'"),
    (["--role", "support", "--email", "not-an-address"], 1, "is not a valid e-mail"),
])
def test_users_create_refuses_bad_input_and_creates_nothing(
        app: Flask, args: list[str], code: int, message: str) -> None:
    company = make_tenant(app)
    result = _run(app, "users", "create", company.slug, "--password", PASSWORD, *args)
    assert result.exit_code == code
    assert message in result.output
    assert _run(app, "users", "list", company.slug).output.count("\n") == 1  # the admin


def test_users_of_an_unknown_company_are_refused(app: Flask) -> None:
    result = _run(app, "users", "list", "no-such-company")
    assert result.exit_code == 1
    assert "No company with slug 'no-such-company'" in result.output
