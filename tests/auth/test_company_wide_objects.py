"""Tags, firmware images and charging profiles belong to the company: a site administrator
changes none of them, and still uses them on its own site's stations (permissions.py)."""

from __future__ import annotations

import io

from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import ChargingProfile, Command, Role, StationFile, Tag
from tests.factories import Company, World
from tests.portal_client import PortalClient
from tests.scene import company_scope


def _as(portal, company: Company, role: Role) -> PortalClient:
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def _image_ids(app: Flask, company: Company) -> list[int]:
    with company_scope(app, company):
        return list(db.session.scalars(select(StationFile.id)))


def test_a_site_admin_gets_no_tags_page_export_or_import(app: Flask, world: World,
                                                         portal) -> None:
    client = _as(portal, world.a, Role.SITE_ADMIN)
    assert 'href="/tags"' not in client.get("/dashboard").get_data(as_text=True)
    for path in ("/tags", "/tags/export", "/tags/export?format=whitelist", "/tags/import"):
        assert client.get(path).status_code == 403, path
    # the import of the report: it blocked a tag another site's drivers use
    blocking = f"UID,GID,Expiry,Authorization\n{world.a.driver_tag},,,blocked\n"
    response = client.post("/tags/import", {"file": (io.BytesIO(blocking.encode()), "t.csv")},
                           csrf_from="/account/password", content_type="multipart/form-data")
    assert response.status_code == 403
    with company_scope(app, world.a):
        assert db.session.scalar(select(Tag.blocked).where(Tag.id_tag == world.a.driver_tag)) \
            is False


def test_a_site_admin_sends_an_image_to_its_station_but_cannot_delete_or_upload_one(
    app: Flask, world: World, portal
) -> None:
    admin = _as(portal, world.a, Role.ADMIN)
    assert admin.post("/firmware", {"file": (io.BytesIO(b"\x7fimage"), "fw-3.1.bin")},
                      csrf_from="/firmware",
                      content_type="multipart/form-data").status_code == 302
    [image_id] = _image_ids(app, world.a)
    client = _as(portal, world.a, Role.SITE_ADMIN)
    page = client.get("/firmware").get_data(as_text=True)
    assert "fw-3.1.bin" in page
    assert f"/firmware/{image_id}/delete" not in page and 'id="upload"' not in page
    assert client.post(f"/firmware/{image_id}/delete",
                       csrf_from="/firmware").status_code == 403
    assert client.post("/firmware", {"file": (io.BytesIO(b"mine"), "fw-mine.bin")},
                       csrf_from="/firmware",
                       content_type="multipart/form-data").status_code == 403
    assert _image_ids(app, world.a) == [image_id]
    # its own station still gets the image (offline here: the command is stored as sent)
    station_page = f"/stations/{world.a.station_site1}/firmware"
    response = client.post(f"{station_page}/update", {"image": str(image_id)},
                           csrf_from=station_page)
    assert response.status_code == 302
    with company_scope(app, world.a):
        sent = db.session.scalar(select(Command).where(Command.action == "UpdateFirmware"))
        assert sent.charge_box_id == world.a.station_site1
        assert sent.payload["location"].endswith("/fw-3.1.bin")


def test_a_site_admin_installs_a_profile_but_cannot_define_change_or_delete_one(
    app: Flask, world: World, portal
) -> None:
    client = _as(portal, world.a, Role.SITE_ADMIN)
    listing = client.get("/charging-profiles").get_data(as_text=True)
    assert "/charging-profiles/1" in listing and "/charging-profiles/new" not in listing
    page = client.get("/charging-profiles/1").get_data(as_text=True)
    assert 'id="install-form"' in page
    assert "/charging-profiles/1/edit" not in page and "/charging-profiles/1/delete" not in page
    assert client.get("/charging-profiles/new").status_code == 403
    assert client.get("/charging-profiles/1/edit").status_code == 403
    for path in ("/charging-profiles/new", "/charging-profiles/1/edit",
                 "/charging-profiles/1/delete"):
        response = client.post(path, {"charging_profile_id": "1", "stack_level": "9"},
                               csrf_from="/charging-profiles/1")
        assert response.status_code == 403, path
    with company_scope(app, world.a):
        assert db.session.scalar(select(ChargingProfile.stack_level)) == 0
    response = client.post("/charging-profiles/1/install",
                           {"stations": world.a.station_site1, "connector_id": "0"},
                           csrf_from="/charging-profiles/1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/operations/")

