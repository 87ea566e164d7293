"""Fuzz every form of the pages: bounded random and extreme values (huge and negative
numbers, NUL, very long strings, lone surrogates, RTL marks, emoji, times out of the
calendar) into every field of every form an administrator can reach, POST and GET.

The forms are found as a browser finds them: by following the links from the dashboard
and reading each page's forms; a POST route no page offers a form for fails the test,
unless it is excused below. Each answer must be no 5xx and log no error; an answer that
refuses (4xx) must have stored nothing.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from ocpp.v16.enums import ChargingProfilePurposeType
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.models import (
    RefusalReason,
    Reservation,
    ReservationStatus,
    Role,
    ServiceKind,
    Tenant,
)
from portal.models.base import utcnow
from portal.services import (
    api_tokens,
    charging_sessions,
    connection_attempts,
    firmware,
    sites,
    tags,
    third_party,
    users,
)
from tenants.scoping import tenant_scope
from tests.factories import World, make_charging_profile
from tests.fuzzing import (
    EXTREMES,
    FUZZ_SETTINGS,
    HUGE_NUMBERS,
    ODD_NUMBERS,
    ODD_TIMES,
    Field,
    Form,
    FormReader,
    row_counts,
    text_values,
)
from tests.portal_client import PortalClient
from tests.scene import station

# POST routes no page form is fuzzed for here, and why.
EXCUSED = {
    "account.login": "rate-limited per address: failures would lock the suite's client out",
    "account.logout": "ends the session the fuzz runs in",
    "account.forgot_password": "the logged-out's form: tests/auth/test_account_security_fuzz.py",
    "account.reset_password": "an e-mailed link's: tests/auth/test_account_security_fuzz.py",
    "account.confirm_email": "an e-mailed link's: tests/auth/test_account_security_fuzz.py",
    "account.login_code": "a login's second step: tests/auth/test_account_security_fuzz.py",
    "account.login_enrol": "a login's second step: tests/auth/test_account_security_fuzz.py",
    "account.new_recovery_codes": "offered once a second factor is on: "
                                  "tests/auth/test_account_security_fuzz.py",
    "account.disable_two_factor": "offered once a second factor is on: "
                                  "tests/auth/test_account_security_fuzz.py",
    "api.send_command": "JSON, not a form: tests/api/test_fuzz_api.py",
    "integrations.start": "a payment service's signed JSON, not a form: "
                          "tests/integrations/test_fuzz_payment_sessions.py",
    "station_files.upload": "the stations' side, by token: tests/ocpp/test_firmware_management.py",
    "tags.replace": "offered by a Replace import's preview only, with the previewed file: "
                    "tests/blueprints/test_tags.py",
    "settings.place_station": "JSON from floor-map.js, not a page's form: "
                              "tests/blueprints/test_settings.py",
    "users.reactivate": "offered on a deactivated user's page only: "
                        "tests/blueprints/test_users.py",
    "services.send_test": "no field but its token, and the event it queues would be sent by "
                          "a later test's delivery run: tests/blueprints/test_services.py",
}
SKIPPED_PATHS = ("/logout", "/files/", "/uploads/", "/static/", "/bootstrap/", "/tags/export")
PLAUSIBLE = {  # a value each kind of input takes, so that some examples pass every check
    "number": ["0", "1", "2", "30", "3600"],
    "datetime-local": ["2030-01-01T10:00", "2030-01-01T10:00:00"],
    "url": ["http://files.example/fw.bin", "ftp://user:pass@ftp.example/dir/"],
    "email": ["someone@example.com"],
    "password": ["not-the-password-1", "another-pass-2"],  # never the real one
    "checkbox": ["y"],
    "text": ["CP-SITE1", "ABC123", "HeartbeatInterval", "60"],
}
EXAMPLES_PER_FORM = 4
WILD = {"number": HUGE_NUMBERS + ODD_NUMBERS, "datetime-local": ODD_TIMES}
# Every field of these kinds gets each of these once, the form's other fields plausible.
SWEEP = {"number": ["2147483648", "-2147483649", "99999999999999999999"],
         "datetime-local": ["0001-01-01T00:00", "9999-12-31T23:59"],
         "text": ["y" * 10_000], "textarea": ["y" * 20_000]}
DESTRUCTIVE = ("/delete", "/revoke", "/cancel")  # fuzzed last, so the others find their rows
CSV_HEADERS = ["tag,parent,expiry,max active,blocked,note", "UID,GID,Expiry,Authorization"]


def _seed(app: Flask, world: World) -> None:
    """What gives every form a page: an image, a reservation, a token, a refused station,
    a TxProfile (it may start a session), a floor (the Topology page deletes it), a blocked
    tag (to unblock), a session closed for review (to accept or correct), drivers who may
    add their cards, an enabled and a disabled service."""
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            admin = users.find_by_email(world.a.email(Role.ADMIN))
            firmware.upload(tenant, admin, "fw-1.0.bin", io.BytesIO(b"\x00" * 64), 10_000)
            db.session.add(Reservation(
                tenant_id=tenant.id, station=station(world.a.station_site1), connector_id=1,
                id_tag="ALPHA", status=ReservationStatus.ACCEPTED, created_at=utcnow(),
                expiry_at=utcnow() + timedelta(days=1)))
            api_tokens.create(tenant, "platform", Role.ADMIN)
            connection_attempts.record(tenant, "CP-UNKNOWN", RefusalReason.UNKNOWN_STATION,
                                       "127.0.0.1")
            make_charging_profile(tenant, 2, purpose=ChargingProfilePurposeType.tx_profile)
            sites.add_floor(sites.find_or_create(tenant, "Site two"), "Roof")
            tags.add(tenant, "BLOCKED-1", blocked=True)
            session, _ = charging_sessions.start(station(world.a.station_site1), 2, "ALPHA", 0,
                                                 utcnow() - timedelta(hours=1))
            charging_sessions.close_for_review(session, utcnow(), "Never stopped.")
            tenant.drivers_add_cards = True
            for name, enabled in (("ERP", True), ("Old hook", False)):  # to switch on or off
                third_party.create(tenant, third_party.ServiceValues(
                    kind=ServiceKind.WEBHOOK, name=name, url="https://erp.example/hook",
                    secret="s" * 16, events=("session.ended",), enabled=enabled))
            db.session.commit()


def _crawl(client: PortalClient, start: str, limit: int = 250) -> list[Form]:
    """Every form on the pages reachable from `start` (each path once, whatever its query)."""
    queue, seen, forms = [start], set(), []
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path.split("?")[0] in seen or path.startswith(SKIPPED_PATHS):
            continue
        seen.add(path.split("?")[0])
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            response.close()  # a streamed download (an export) ends with its request
            continue
        reader = FormReader(path.split("?")[0])
        reader.feed(response.get_data(as_text=True))
        forms += reader.forms
        queue += sorted(reader.links - seen)
    unique = {(form.method, form.action, tuple(form.fields)): form for form in forms}
    return [unique[key] for key in sorted(unique)]


def _endpoint(app: Flask, client: PortalClient, form: Form) -> str | None:
    try:
        endpoint, _ = app.url_map.bind(client.host).match(form.action.split("?")[0],
                                                          method=form.method.upper())
    except HTTPException:
        return None
    return endpoint


def _values(form: Form, token: str) -> st.SearchStrategy[dict[str, str]]:
    """Each field plausible, but for one or two that get any value: a single wild value
    reaches the service behind the form, where the checks of the other fields would
    have stopped it."""
    names = [name for name, found in form.fields.items() if found.kind != "file"]

    def build(wild: set[str]) -> st.SearchStrategy[dict[str, str]]:
        return st.fixed_dictionaries({
            name: (st.just(token) if name.endswith("csrf_token") else
                   _wild(form.fields[name]) if name in wild else _plausible(form.fields[name]))
            for name in names})

    return st.sets(st.sampled_from(names), max_size=2).flatmap(build) if names else st.just({})


def _wild(found: Field) -> st.SearchStrategy[str]:
    """Any value, but mostly what breaks a field of this kind."""
    own = WILD.get(found.kind)
    return st.one_of(st.sampled_from(own), text_values()) if own else text_values()


def _plausible(found: Field) -> st.SearchStrategy[str]:
    return st.sampled_from(_offered(found))


def _offered(found: Field) -> list[str]:
    """What the page offers for the field, or what its kind takes."""
    return [value for value in found.values if value] or PLAUSIBLE.get(found.kind,
                                                                      PLAUSIBLE["text"])


def _file() -> st.SearchStrategy[tuple[bytes, str]]:
    """A file as staff may pick one: a tags CSV with odd cells, or any bytes."""
    rows = st.lists(st.lists(st.sampled_from([*EXTREMES, "T1", "", "1", "true"]),
                             min_size=1, max_size=7), max_size=4)

    def as_csv(header: str, cells: list[list[str]]) -> bytes:
        out = io.StringIO()
        out.write(header + "\n")
        csv.writer(out).writerows(cells)
        return out.getvalue().encode("utf-8", "surrogatepass")

    content = st.one_of(st.builds(as_csv, st.sampled_from(CSV_HEADERS), rows),
                        st.binary(max_size=300))
    names = st.sampled_from(["tags.csv", "fw.bin", "\x00.bin", "../../x.bin", "é" * 300, ""])
    return st.tuples(content, names)


def _urlencoded(values: dict[str, str]) -> str:
    # quote() with surrogatepass: a lone surrogate goes out as the bytes a broken client sends.
    return "&".join(f"{quote(name)}={quote(value, safe='', errors='surrogatepass')}"
                    for name, value in values.items())


def _send(client: PortalClient, form: Form, values: dict[str, str],
          files: dict[str, tuple[bytes, str]]) -> Any:
    action = form.action.split("?")[0]
    if form.method == "get":
        return client.get(f"{action}?{_urlencoded(values)}")
    if form.multipart:
        data: dict[str, Any] = {name: value.encode("utf-8", "surrogatepass").decode(
            "utf-8", "replace") for name, value in values.items()}
        data |= {name: (io.BytesIO(content), filename)
                 for name, (content, filename) in files.items()}
        return client.client.post(action, base_url=client.base_url, data=data,
                                  content_type="multipart/form-data")
    return client.client.post(action, base_url=client.base_url, data=_urlencoded(values),
                              content_type="application/x-www-form-urlencoded")


def test_every_form_field_takes_any_value_without_a_5xx_or_a_trace(
    app: Flask, world: World, portal, caplog: pytest.LogCaptureFixture
) -> None:
    forms = _every_form(app, world, portal)
    tokens = {client: client.csrf_token("/account/password" if client.slug else "/")
              for client in {client for client, _ in forms}}
    with app.app_context():
        engine = db.engine

    def check(client: PortalClient, form: Form, values: dict[str, str],
              files: dict[str, tuple[bytes, str]]) -> None:
        before = row_counts(engine)
        caplog.clear()
        response = _send(client, form, values, files)
        assert response.status_code < 500, (form.action, values)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
        if 400 <= response.status_code < 500:
            assert row_counts(engine) == before, (form.action, values, response.status_code)

    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES_PER_FORM)
    @given(data=st.data())
    def fuzz(client: PortalClient, form: Form, data: st.DataObject) -> None:
        values = data.draw(_values(form, tokens[client]), label="fields")
        files = {name: data.draw(_file(), label=name)
                 for name, found in form.fields.items() if found.kind == "file"}
        check(client, form, values, files)

    with caplog.at_level(logging.WARNING):
        for client, form in forms:
            plain = {name: tokens[client] if name.endswith("csrf_token") else
                     _offered(found)[0] for name, found in form.fields.items()
                     if found.kind != "file"}
            files = {name: (b"", "empty.csv") for name, found in form.fields.items()
                     if found.kind == "file"}
            for name, found in form.fields.items():
                for value in SWEEP.get(found.kind, ()):
                    check(client, form, {**plain, name: value}, files)
            fuzz(client, form)


def _every_form(app: Flask, world: World, portal: Any) -> list[tuple[PortalClient, Form]]:
    """Every form an administrator or an EV driver can reach, and the bare domain's, one per
    route and set of fields; fail if a POST route has none (and no excuse)."""
    _seed(app, world)
    staff = portal(world.a)
    assert staff.login(world.a.email(Role.ADMIN)).status_code == 302
    anyone = portal("")  # the bare domain: find your company
    driver = portal(world.a)
    assert driver.login(world.a.email(Role.EV_USER)).status_code == 302
    forms = [(staff, form) for form in _crawl(staff, "/dashboard")]
    forms += [(driver, form) for form in _crawl(driver, "/my/sessions")]
    forms += [(anyone, form) for form in _crawl(anyone, "/")]
    offered = {_endpoint(app, client, form) for client, form in forms}
    posted = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posted - offered - set(EXCUSED) == set(), "POST routes no page offers a form for"
    for _, form in forms:
        if form.method == "get":
            form.fields.setdefault("page", Field("number", ["1", "2"]))
    return _one_of_each(app, forms)


def _one_of_each(app: Flask, forms: list[tuple[PortalClient, Form]],
                 ) -> list[tuple[PortalClient, Form]]:
    """One form per route and set of fields (each station's page has the same forms), the
    ones that delete last; none that log in or out."""
    chosen: dict[tuple[Any, ...], tuple[PortalClient, Form]] = {}
    for client, form in forms:
        endpoint = _endpoint(app, client, form)
        if endpoint not in EXCUSED:
            key = (endpoint, form.method, tuple(sorted(form.fields)))
            chosen.setdefault(key, (client, form))
    return sorted(chosen.values(), key=lambda each: each[1].action.endswith(DESTRUCTIVE))
