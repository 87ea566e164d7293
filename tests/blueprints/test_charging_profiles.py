"""Charging profiles in the portal: defined through the form, checked before anything is kept."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from flask import Flask
from ocpp.v16.enums import ChargingProfilePurposeType
from sqlalchemy import select

from portal.extensions import db
from portal.models import ChargingProfile, InstalledChargingProfile, Role, Station, Tenant
from tenants.scoping import tenant_scope
from tests.factories import Company, World, make_charging_profile

T = TypeVar("T")
NEW = "/charging-profiles/new"
VALID = {"charging_profile_id": "20", "description": "Evening cap", "stack_level": "2",
         "purpose": "TxDefaultProfile", "kind": "Absolute", "recurrency": "",
         "valid_from": "2026-12-01T00:00", "valid_to": "2027-01-01T00:00",
         "start_schedule": "2026-12-01T18:00", "duration": "14400", "rate_unit": "A",
         "min_charging_rate": "6", "note": "",
         "periods-0-start_period": "0", "periods-0-limit": "32", "periods-0-number_phases": "3",
         "periods-1-start_period": "3600", "periods-1-limit": "16.5",
         "periods-1-number_phases": ""}


def _in(app: Flask, company: Company, work: Callable[[Tenant], T]) -> T:
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            done = work(tenant)
            db.session.commit()
            return done


def _profiles(app: Flask, company: Company) -> list[int]:
    return _in(app, company, lambda _: list(db.session.scalars(
        select(ChargingProfile.charging_profile_id).order_by(
            ChargingProfile.charging_profile_id))))


def _admin(portal, company: Company):
    client = portal(company)
    assert client.login(company.email(Role.ADMIN)).status_code == 302
    return client


def _payload(page: str) -> dict[str, Any]:
    return json.loads(html.unescape(re.search(r'<pre[^>]*id="payload">(.*?)</pre>', page,
                                              re.S).group(1)))


def test_a_profile_is_defined_and_shown_as_stations_will_get_it(app: Flask, portal,
                                                                world: World) -> None:
    client = _admin(portal, world.a)
    response = client.post(NEW, VALID, csrf_from=NEW)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/charging-profiles/20"
    page = client.get("/charging-profiles/20").get_data(as_text=True)
    assert "Charging profile 20 is saved." in page
    assert _payload(page) == {
        "chargingProfileId": 20, "stackLevel": 2, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute", "validFrom": "2026-12-01T00:00:00.000Z",
        "validTo": "2027-01-01T00:00:00.000Z", "chargingSchedule": {
            "chargingRateUnit": "A", "duration": 14400,
            "startSchedule": "2026-12-01T18:00:00.000Z", "minChargingRate": 6.0,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 32.0, "numberPhases": 3},
                                       {"startPeriod": 3600, "limit": 16.5}]}}
    assert _profiles(app, world.a) == [1, 20]


@pytest.mark.parametrize(("changes", "status", "message"), [
    ({"periods-0-start_period": "10"}, 422, "The first period starts at 0 seconds."),
    ({"periods-1-start_period": "0"}, 422, "Period 2: start times are 0 or more and increase"),
    ({"periods-1-start_period": "-5"}, 422, "Period 2: start times are 0 or more and increase"),
    ({"periods-1-limit": "0"}, 422, "Period 2: the limit is above 0, with at most one decimal."),
    ({"periods-0-limit": "-1"}, 422, "Period 1: the limit is above 0"),
    ({"periods-1-limit": "16.25"}, 422, "Period 2: the limit is above 0, with at most one"),
    ({"periods-1-limit": "1e30"}, 422, "Period 2: the limit is above 0, with at most one"),
    ({"periods-0-number_phases": "4"}, 422, "Period 1: the number of phases is 1, 2 or 3."),
    ({"periods-1-start_period": ""}, 400, "Needed in a period row."),
    ({"periods-0-start_period": "", "periods-0-limit": "", "periods-0-number_phases": "",
      "periods-1-start_period": "", "periods-1-limit": ""}, 422, "at least one period"),
    ({"kind": "Recurring"}, 422, "A recurring profile needs its recurrency"),
    ({"kind": "Recurring", "recurrency": "Daily", "start_schedule": ""}, 422,
     "Absolute and recurring profiles need their schedule start."),
    ({"start_schedule": ""}, 422, "Absolute and recurring profiles need their schedule start."),
    ({"kind": "Relative"}, 422, "A relative profile starts with the transaction"),
    ({"recurrency": "Weekly"}, 422, "Only a recurring profile has a recurrency."),
    ({"valid_to": "2026-11-30T00:00"}, 422, "Valid to must be after valid from."),
    ({"valid_from": "2026-13-40T10:00"}, 400, "Not a valid datetime value."),
    ({"duration": "0"}, 422, "The duration is a number of seconds above 0."),
    ({"stack_level": "-1"}, 422, "The stack level is 0 or more."),
    ({"charging_profile_id": "0"}, 422, "The profile id is a positive number."),
    ({"charging_profile_id": "99999999999"}, 400,
     "Number must be between -2147483648 and 2147483647."),
    ({"charging_profile_id": "1"}, 409, "Charging profile 1 already exists."),
    ({"min_charging_rate": "6.05"}, 422, "The minimum rate is 0 or more, with at most one"),
    ({"rate_unit": "kW"}, 400, "Not a valid choice"),
])
def test_a_bad_profile_is_refused_and_nothing_is_kept(app: Flask, portal, world: World,
                                                      changes: dict[str, str], status: int,
                                                      message: str) -> None:
    client = _admin(portal, world.a)
    response = client.post(NEW, {**VALID, **changes}, csrf_from=NEW)
    assert response.status_code == status
    assert message in html.unescape(response.get_data(as_text=True))
    assert _profiles(app, world.a) == [1]


def test_editing_keeps_the_rules_and_refuses_another_profiles_id(app: Flask, portal,
                                                                 world: World) -> None:
    client = _admin(portal, world.a)
    client.post(NEW, VALID, csrf_from=NEW)
    form = client.get("/charging-profiles/20/edit").get_data(as_text=True)
    assert 'value="16.5"' in form and 'value="2026-12-01 18:00:00"' in form
    taken = client.post("/charging-profiles/20/edit", {**VALID, "charging_profile_id": "1"},
                        csrf_from="/charging-profiles/20/edit")
    assert taken.status_code == 409
    changed = client.post("/charging-profiles/20/edit", {**VALID, "periods-1-limit": "10"},
                          csrf_from="/charging-profiles/20/edit")
    assert changed.status_code == 302
    page = client.get("/charging-profiles/20").get_data(as_text=True)
    assert _payload(page)["chargingSchedule"]["chargingSchedulePeriod"][1]["limit"] == 10.0
    assert _profiles(app, world.a) == [1, 20]


def _hold_profile_1(app: Flask, company: Company, charge_box_id: str) -> None:
    """Record that the station accepted the company's profile 1 (as its answer would)."""
    def install(tenant: Tenant) -> None:
        station = db.session.scalar(select(Station).where(Station.charge_box_id == charge_box_id))
        db.session.add(InstalledChargingProfile(
            tenant_id=tenant.id, station_id=station.id, connector_id=0,
            profile_id=db.session.scalar(select(ChargingProfile.id)), charging_profile_id=1,
            stack_level=0, purpose=ChargingProfilePurposeType.tx_default_profile))

    _in(app, company, install)


def test_a_profile_a_station_holds_cannot_be_deleted(app: Flask, portal, world: World) -> None:
    _hold_profile_1(app, world.a, world.a.station_site1)
    client = _admin(portal, world.a)
    response = client.post("/charging-profiles/1/delete", csrf_from="/charging-profiles/1")
    assert response.status_code == 409
    assert "installed on 1 station connector(s): clear it there first" in response.get_data(
        as_text=True)
    assert _profiles(app, world.a) == [1]
    assert world.a.station_site1 in client.get("/charging-profiles/1").get_data(as_text=True)


def test_the_list_filters_by_purpose_kind_unit_and_text(app: Flask, portal,
                                                        world: World) -> None:
    _in(app, world.a, lambda tenant: make_charging_profile(
        tenant, 30, purpose=ChargingProfilePurposeType.charge_point_max_profile))
    client = _admin(portal, world.a)
    client.post(NEW, VALID, csrf_from=NEW)

    def listed(query: str) -> list[str]:
        page = client.get(f"/charging-profiles?{query}").get_data(as_text=True)
        return re.findall(r'href="/charging-profiles/(\d+)"', page)

    assert listed("") == ["1", "20", "30"]
    assert listed("purpose=ChargePointMaxProfile") == ["30"]
    assert listed("kind=Absolute") == ["20"]
    assert listed("rate_unit=W") == []
    assert listed("text=EVENING") == ["20"]
    assert listed("purpose=Nonsense") == ["1", "20", "30"]  # shown as an error, not applied


def test_another_companys_profile_is_not_found(app: Flask, portal, world: World) -> None:
    _in(app, world.b, lambda tenant: make_charging_profile(tenant, 77))
    client = _admin(portal, world.a)
    for path in ("/charging-profiles/77", "/charging-profiles/77/edit"):
        assert client.get(path).status_code == 404
    for path in ("/charging-profiles/77/edit", "/charging-profiles/77/delete",
                 "/charging-profiles/77/install"):
        assert client.post(path, {**VALID, "stations": world.a.station_site1},
                           csrf_from=NEW).status_code == 404
    assert "/charging-profiles/77" not in client.get("/charging-profiles").get_data(as_text=True)
    assert _profiles(app, world.b) == [1, 77]


def test_a_site_admin_installs_only_on_its_own_sites_stations(app: Flask, portal,
                                                               world: World) -> None:
    _hold_profile_1(app, world.a, world.a.station_site2)
    client = portal(world.a)
    assert client.login(world.a.email(Role.SITE_ADMIN)).status_code == 302
    page = client.get("/charging-profiles/1").get_data(as_text=True)
    assert world.a.station_site1 in page and world.a.station_site2 not in page
    assert "No station holds this profile." in page  # not one of its site's, at least
    response = client.post("/charging-profiles/1/install",
                           {"stations": world.a.station_site2, "connector_id": "0"},
                           csrf_from="/charging-profiles/1")
    assert response.status_code == 400
    assert "is not a valid choice" in html.unescape(response.get_data(as_text=True))


def test_the_remote_start_form_is_offered_only_with_a_tx_profile(app: Flask, portal,
                                                                  world: World) -> None:
    _in(app, world.a, lambda tenant: make_charging_profile(
        tenant, 5, purpose=ChargingProfilePurposeType.tx_profile))
    client = _admin(portal, world.a)
    tx_profile = client.get("/charging-profiles/5").get_data(as_text=True)
    assert 'id="remote-start-form"' in tx_profile
    tx_default_profile = client.get("/charging-profiles/1").get_data(as_text=True)
    assert 'id="install-form"' in tx_default_profile
    assert 'id="remote-start-form"' not in tx_default_profile
