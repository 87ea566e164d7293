"""The API's reads: stations and transactions of the token's company, and its OpenAPI."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import Role, ServiceKind, Tenant
from portal.models.base import utcnow
from portal.services import api_tokens, charging_sessions, outlets, stations, third_party
from tenants.scoping import tenant_scope
from tests.api.client import Api, new_token
from tests.factories import Company, make_tenant
from tests.scene import company_scope

START = utcnow().replace(microsecond=0) - timedelta(days=3)
READS = ("/api/v1/stations", "/api/v1/stations/CP1", "/api/v1/transactions")


def _company_with_sessions(app: Flask) -> tuple[Company, str]:
    company = make_tenant(app)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        with tenant_scope(tenant):
            cp1 = stations.add(tenant, "CP1", connectors=2)
            stations.add(tenant, "CP2", connectors=1)
            for day in range(3):  # one session a day on CP1, the first one stopped
                session, _ = charging_sessions.start(cp1, 1 + day % 2, f"TAG{day}", 1000,
                                                     START + timedelta(days=day))
                if day == 0:
                    charging_sessions.stop(cp1, session.transaction_id, 8500,
                                           START + timedelta(hours=2))
            secret, _ = api_tokens.create(tenant, "platform", Role.SUPPORT)
            db.session.commit()
    return company, secret


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app, *_company_with_sessions(app))


def test_stations_are_listed_with_their_outlets(app: Flask, api: Api) -> None:
    make_tenant(app)  # another company's stations stay out of it
    listed = api.get("/api/v1/stations").get_json()["stations"]
    assert [station["chargeBoxId"] for station in listed] == ["CP1", "CP2"]
    assert listed[0]["connected"] is False
    assert [outlet["connectorId"] for outlet in listed[0]["outlets"]] == [1, 2]
    assert api.get("/api/v1/stations/CP2").get_json()["chargeBoxId"] == "CP2"
    assert api.get("/api/v1/stations/NOPE").status_code == 404


def test_transactions_page_by_page_since_a_time(api: Api) -> None:
    first = api.get("/api/v1/transactions?limit=2").get_json()
    assert [t["idTag"] for t in first["transactions"]] == ["TAG0", "TAG1"]
    assert first["transactions"][0]["energyWh"] == 7500
    assert first["transactions"][0]["stoppedAt"] is not None
    assert first["transactions"][0]["authMethod"] == "rfid"
    second = api.get(first["next"].split("localhost", 1)[1]).get_json()
    assert [t["idTag"] for t in second["transactions"]] == ["TAG2"]
    assert second["next"] is None
    since = (START + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    later = api.get(f"/api/v1/transactions?since={since}").get_json()["transactions"]
    assert [t["idTag"] for t in later] == ["TAG1", "TAG2"]


def test_each_outlet_has_its_uuid_and_its_ids_at_the_companys_services(
        app: Flask, api: Api) -> None:
    foreign = make_tenant(app)
    with company_scope(app, foreign) as tenant:
        theirs = third_party.create(tenant, third_party.ServiceValues(
            kind=ServiceKind.MAP, name="Theirs", url="https://map.example", secret="t" * 16)).id
    with company_scope(app, api.company) as tenant:
        nobil, easypark = (third_party.create(tenant, third_party.ServiceValues(
            kind=ServiceKind.MAP, name=name, url="https://map.example", secret="s" * 16))
            for name in ("Nobil", "Easypark"))
        first, second = stations.find("CP1").outlets
        outlets.set_id_at(first, nobil, "NOR_1")
        outlets.set_id_at(first, easypark, "ZONE 7")
        # an id kept under another company's service is never shown
        second.external_ids = {str(theirs): "LEAK"}
        uuids = [first.uuid, second.uuid]
    station = api.get("/api/v1/stations/CP1").get_json()
    assert [(outlet["uuid"], outlet["externalIds"]) for outlet in station["outlets"]] == [
        (uuids[0], {"Nobil": "NOR_1", "Easypark": "ZONE 7"}), (uuids[1], {})]
    assert api.get("/api/v1/stations").get_json()["stations"][0] == station
    schema = api.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Station"]
    assert {"uuid", "externalIds"} <= set(
        schema["properties"]["outlets"]["items"]["properties"])


@pytest.mark.parametrize("query", ["since=yesterday", "limit=0", "limit=5000", "after=x"])
def test_a_bad_query_gets_422(api: Api, query: str) -> None:
    response = api.get(f"/api/v1/transactions?{query}")
    assert response.status_code == 422
    assert query.split("=")[0] in response.get_json()["errors"]


def test_a_bad_after_gets_422_not_a_database_error(api: Api) -> None:
    response = api.get(f"/api/v1/transactions?after={2**64}")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "after": "expected the id of the last transaction of a page"}


def test_a_monitor_token_reads_what_a_support_token_reads(app: Flask, api: Api) -> None:
    monitor = Api(app, api.company, new_token(app, api.company, Role.MONITOR))
    for path in READS:
        response = monitor.get(path)
        assert response.status_code == 200, path
        assert response.get_json() == api.get(path).get_json()


def test_without_a_token_of_this_company_nothing_is_read(app: Flask, api: Api) -> None:
    _, foreign_token = _company_with_sessions(app)
    for token in (None, foreign_token, "pb_" + "x" * 40):
        stranger = Api(app, api.company, token)
        for path in READS:
            assert stranger.get(path).status_code == 401, (token, path)


def test_the_openapi_document_describes_every_route(app: Flask) -> None:
    document = Api(app, make_tenant(app), None).get("/api/v1/openapi.json").get_json()
    described = {(path, method) for path, methods in document["paths"].items()
                 for method in methods}
    routes = {
        (re.sub(r"<(?:\w+:)?charge_box_id>", "{chargeBoxId}", rule.rule[len("/api/v1"):]),
         method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes and routes == described


def test_the_openapi_document_refers_every_error_to_the_one_shape(app: Flask) -> None:
    document = Api(app, make_tenant(app), None).get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["required"] == ["error", "message"]
    assert set(schemas["Error"]["properties"]) == {"error", "message", "errors"}
    assert schemas["CommandFailed"]["allOf"][0] == {"$ref": "#/components/schemas/Error"}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if path == "/openapi.json":
                continue
            assert {"401", "403", "default"} <= set(operation["responses"]), (path, method)
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema["$ref"] in ("#/components/schemas/Error",
                                              "#/components/schemas/CommandFailed")


def test_the_openapi_document_names_the_token_roles_of_each_route(app: Flask) -> None:
    document = Api(app, make_tenant(app), None).get("/api/v1/openapi.json").get_json()
    assert "(admin, support, monitor)" in (
        document["components"]["securitySchemes"]["bearer"]["description"])
    paths = document["paths"]
    for path in ("/stations", "/stations/{chargeBoxId}", "/transactions"):
        assert "role admin, support, monitor (" in paths[path]["get"]["description"]
    assert "role admin, support (" in paths["/stations/{chargeBoxId}/commands"]["post"][
        "description"]
