"""Bulk onboarding on the Topology page: a per-row report, refused rows leave nothing behind,
and the export reads back in as it was."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Floor, Role, ServiceKind, Site, Station, Tenant
from portal.services import outlets, stations, third_party
from tenants.scoping import tenant_scope
from tests.factories import Company, World
from tests.portal_client import PortalClient
from tests.scene import company_scope

HEADER = "chargeBoxId,name,site,floor,connectors,auth_key,mode\n"
GOOD_AND_BAD = HEADER + """CP-A,Gate A,Depot,Level 1,2,0123456789abcdef,open
CP-B,,Depot,,1,,RFID
{site1},Renamed,Site two,Roof,3,,
CP-BAD ID,X,Orphanage,Attic,1,,rfid
CP-C,C,New place,,1,short,rfid
CP-D,D,Nowhere,,1,,sometimes
CP-E,E,,Floating,1,,rfid
CP-F,F,Far,,many,,rfid
CP-A,again,Depot,,1,,rfid
CP-G,too few
"""


def _admin(portal: Any, company: Company) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(Role.ADMIN)).status_code == 302
    return client


def _import(client: PortalClient, content: str | bytes) -> Any:
    data = content.encode() if isinstance(content, str) else content
    return client.post("/topology/import", {"file": (io.BytesIO(data), "stations.csv")},
                       csrf_from="/topology/import", content_type="multipart/form-data")


def _stations(app: Flask, company: Company) -> dict[str, tuple[Any, ...]]:
    """chargeBoxId -> (name, site, floor, [(connector, mode)], has a key)."""
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        return {station.charge_box_id: (
            station.name, station.site.name if station.site else None,
            station.floor.name if station.floor else None,
            [(outlet.connector_id, outlet.mode.value) for outlet in station.outlets],
            station.auth_key_hash is not None)
            for station in db.session.scalars(select(Station))}


def _site_names(app: Flask, company: Company) -> set[str]:
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        return set(db.session.scalars(select(Site.name)))


def test_each_row_is_reported_and_refused_rows_leave_nothing_behind(
        app: Flask, world: World, portal) -> None:
    response = _import(_admin(portal, world.a), GOOD_AND_BAD.format(site1=world.a.station_site1))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "3 added" not in page and "2 added, 1 updated, 7 refused." in page
    for expected in ("not a usable chargeBoxId", "16 to 40 printable characters",
                     "bad mode &#39;sometimes&#39; (use open or rfid)",
                     "floor &#39;Floating&#39; without a site",
                     "connectors &#39;many&#39; is not a whole number from 0 to 50",
                     "duplicate of line 2 in this file", "expected 7 columns, found 2"):
        assert expected in page, expected
    found = _stations(app, world.a)
    assert found["CP-A"] == ("Gate A", "Depot", "Level 1", [(1, "OPEN"), (2, "OPEN")], True)
    assert found["CP-B"] == ("", "Depot", None, [(1, "RFID")], False)
    # updated: renamed, moved (its site and floor made), one outlet more, modes kept
    assert found[world.a.station_site1] == ("Renamed", "Site two", "Roof",
                                            [(1, "RFID"), (2, "RFID"), (3, "RFID")], False)
    assert not {"CP-BAD ID", "CP-C", "CP-D", "CP-E", "CP-F", "CP-G"} & set(found)
    assert not {"Orphanage", "New place", "Nowhere", "Far"} & _site_names(app, world.a)
    # company B's station of the same chargeBoxId is another station: untouched
    assert _stations(app, world.b)[world.b.station_site1][:3] == ("", "Site one", None)


def _key_works(app: Flask, company: Company, charge_box_id: str, key: str) -> bool:
    with app.app_context(), tenant_scope(tenant := db.session.get(Tenant, company.tenant_id)):
        station = stations.find(charge_box_id)
        return stations.check_credentials(tenant, station, charge_box_id, key) is None


def test_an_existing_key_is_replaced_only_when_a_row_gives_one(app: Flask, world: World,
                                                                portal) -> None:
    client = _admin(portal, world.a)
    _import(client, HEADER + "CP-K,K,Depot,,1,0123456789abcdef,rfid\n")
    _import(client, HEADER + "CP-K,K,Depot,,1,,rfid\n")
    assert _key_works(app, world.a, "CP-K", "0123456789abcdef")
    _import(client, HEADER + "CP-K,K,Depot,,1,fedcba9876543210,rfid\n")
    assert _key_works(app, world.a, "CP-K", "fedcba9876543210")
    assert not _key_works(app, world.a, "CP-K", "0123456789abcdef")


def test_an_empty_file_or_a_bad_header_changes_nothing(app: Flask, world: World,
                                                       portal) -> None:
    client = _admin(portal, world.a)
    before = _stations(app, world.a)
    for content, message in (("", "The file is empty"), (HEADER, "no station rows"),
                             ("tag,parent\nX,Y\n", "Unknown header"),
                             (b"\xff\xfe\x00bad", "not UTF-8 text")):
        response = _import(client, content)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    response = client.post("/topology/import", {}, csrf_from="/topology/import")
    assert response.status_code == 400 and "Choose a CSV file." in response.get_data(as_text=True)
    assert _stations(app, world.a) == before


def test_an_oversized_file_is_refused_with_413(app: Flask, world: World, portal,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # a small limit keeps the upload in memory (the test client spools big ones to files)
    monkeypatch.setitem(app.config, "TOPOLOGY_IMPORT_MAX_KB", 4)
    client = _admin(portal, world.a)
    rows = "".join(f"CP-BIG-{number},Big,Depot,,1,,rfid\n" for number in range(200))
    response = _import(client, HEADER + rows)
    assert response.status_code == 413
    assert "larger than 4 KB (TOPOLOGY_IMPORT_MAX_KB)" in response.get_data(as_text=True)
    assert "CP-BIG-0" not in _stations(app, world.a)


def test_the_export_reads_back_in_unchanged(app: Flask, world: World, portal) -> None:
    client = _admin(portal, world.a)
    _import(client, HEADER + "CP-Q,=SUM(A1),+Depot,-1,2,,open\n")
    before = _stations(app, world.a)
    exported = client.get("/topology/export.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    text = exported.get_data(as_text=True)
    assert text.splitlines()[0] == HEADER.strip()
    assert "CP-Q,'=SUM(A1),'+Depot,'-1,2,,open" in text  # formulas neutralised
    assert f"{world.a.station_site1},,Site one,,2,,rfid" in text
    assert world.b.shared_station_name not in text
    report = _import(client, text).get_data(as_text=True)
    assert f"0 added, {len(before)} updated, 0 refused." in report
    assert _stations(app, world.a) == before
    with app.app_context(), tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        assert db.session.scalar(select(func.count()).select_from(Floor)) == 1


def _services(app: Flask, company: Company, *names: str) -> None:
    with company_scope(app, company) as tenant:
        for name in names:
            third_party.create(tenant, third_party.ServiceValues(
                kind=ServiceKind.MAP, name=name, url="https://map.example/push",
                secret="s" * 16))


def _ids(app: Flask, company: Company) -> dict[str, list[dict[str, str]]]:
    """chargeBoxId -> each outlet's ids at the services, by service name."""
    with company_scope(app, company):
        services = outlets.services()
        return {station.charge_box_id: [outlets.ids_by_name(outlet, services)
                                        for outlet in station.outlets]
                for station in db.session.scalars(select(Station))}


def test_outlets_ids_at_services_travel_in_a_column_per_service_and_read_back_in(
        app: Flask, world: World, portal) -> None:
    _services(app, world.a, "Nobil", "Easypark")
    client = _admin(portal, world.a)
    header = HEADER.strip() + ",Nobil,Easypark\n"
    report = _import(client, header + (
        "CP-N,North,Depot,,3,,rfid,NOR_1|NOR_2|NOR_3,ZONE 7|\n"
        "CP-M,,Depot,,1,,rfid,M1|M2,\n"
        "CP-O,,Depot,,1,,rfid,,\n")).get_data(as_text=True)
    assert "2 added, 0 updated, 1 refused." in report
    assert "2 ids at Nobil for 1 outlets: one id per outlet, in connector order" in report
    assert _ids(app, world.a)["CP-N"] == [{"Nobil": "NOR_1", "Easypark": "ZONE 7"},
                                          {"Nobil": "NOR_2"}, {"Nobil": "NOR_3"}]
    assert "CP-M" not in _ids(app, world.a)
    # an empty place removes that outlet's id, outlets after the last id keep theirs, and
    # an empty cell changes none
    _import(client, header + "CP-N,North,Depot,,3,,rfid,|NOR_2b,\n")
    assert _ids(app, world.a)["CP-N"] == [{"Easypark": "ZONE 7"}, {"Nobil": "NOR_2b"},
                                          {"Nobil": "NOR_3"}]
    exported = client.get("/topology/export.csv").get_data(as_text=True)
    assert exported.splitlines()[0] == HEADER.strip() + ",Easypark,Nobil"
    assert "CP-N,North,Depot,,3,,rfid,ZONE 7||,|NOR_2b|NOR_3" in exported
    assert "CP-O,,Depot,,1,,rfid,," in exported
    before = _ids(app, world.a)
    assert f"0 added, {len(before)} updated, 0 refused." in _import(client, exported).get_data(
        as_text=True)
    assert _ids(app, world.a) == before


def test_a_row_giving_ids_at_a_service_the_company_lacks_is_refused(
        app: Flask, world: World, portal) -> None:
    _services(app, world.a, "Nobil")
    _services(app, world.b, "Theirs")  # another company's service names nothing here
    client = _admin(portal, world.a)
    report = _import(client, HEADER.strip() + ",Nobil,Theirs\n" + (
        "CP-U,,Depot,,1,,rfid,NOR_1,T1\n"
        "CP-V,,Depot,,1,,rfid,NOR_9,\n")).get_data(as_text=True)
    assert "1 added, 0 updated, 1 refused." in report
    assert "the company has no service named &#39;Theirs&#39;" in report
    assert set(_ids(app, world.a)) >= {"CP-V"} and "CP-U" not in _ids(app, world.a)
    for columns, message in ((",Nobil,Nobil", "The column &#39;Nobil&#39; appears twice"),
                             (",Nobil,", "Column 9 has no name")):
        response = _import(client, HEADER.strip() + columns + "\nCP-W,,Depot,,1,,rfid,A,B\n")
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert "CP-W" not in _ids(app, world.a)
