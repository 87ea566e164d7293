"""Firmware images and diagnostics files in the portal: upload, list, limits, tokens.

Stations' own side (UpdateFirmware, GetDiagnostics, downloads and uploads over a real
server) is in tests/ocpp/test_firmware_management.py.
"""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role, StationFile, StationFileChunk, Tenant, User
from portal.services import diagnostics, station_files, stations
from tenants.scoping import tenant_scope
from tests.factories import Company, World

PAGE = "/firmware"
IMAGE = bytes(range(256)) * 1200  # 300 KB, stored in five chunks (see small_chunks)
# Werkzeug's test client spools bodies past 500 KB to a file it never closes: stay below.
LIMIT = 100_000


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(station_files, "CHUNK_BYTES", 64 * 1024)


def _staff(portal, company: Company, role: Role = Role.ADMIN):
    client = portal(company)
    assert client.login(company.email(role)).status_code == 302
    return client


def _upload(client, content: bytes, name: str = "fw-2.0.bin"):
    return client.post(PAGE, {"file": (io.BytesIO(content), name)}, csrf_from=PAGE,
                       content_type="multipart/form-data")


def _files(app: Flask, company: Company) -> list[StationFile]:
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        found = list(db.session.scalars(select(StationFile).order_by(StationFile.id)))
        db.session.expunge_all()
        return found


def _chunk_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StationFileChunk)
                                 .execution_options(all_tenants=True))


def _image_path(html: str) -> str:
    return re.search(r"http://[^/<]+(/files/[A-Za-z0-9_-]{43}/[^<\s]+)</code>", html).group(1)


def test_an_uploaded_image_is_listed_and_served_with_its_exact_bytes(
    app: Flask, portal, world: World
) -> None:
    client = _staff(portal, world.a, Role.SUPPORT)
    response = _upload(client, IMAGE)
    assert response.status_code == 302
    html = client.get(PAGE).get_data(as_text=True)
    assert "fw-2.0.bin" in html and "307,200 bytes" in html
    assert hashlib.sha256(IMAGE).hexdigest() in html
    assert f"support@{world.a.slug}.example" in html
    path = _image_path(html)
    station = portal(world.a)  # no login: stations cannot log in
    served = station.get(path)
    assert served.status_code == 200
    assert served.headers["Content-Length"] == str(len(IMAGE))
    assert served.get_data() == IMAGE


def test_an_image_token_is_useless_when_wrong_or_on_another_companys_host(
    app: Flask, portal, world: World
) -> None:
    client = _staff(portal, world.a)
    _upload(client, b"firmware of A")
    path = _image_path(client.get(PAGE).get_data(as_text=True))
    assert portal(world.b).get(path).status_code == 404
    token = path.split("/")[2]
    assert portal(world.a).get(path.replace(token, token[:-1] + "x")).status_code == 404
    # On the bare domain the token alone names the company.
    assert portal("").get(path).get_data() == b"firmware of A"


def test_an_oversized_image_is_refused_and_nothing_is_stored(
    app: Flask, portal, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "FIRMWARE_MAX_BYTES", LIMIT)
    client = _staff(portal, world.a)
    chunks_before = _chunk_count(app)
    # Just past the limit (counted while storing), and far past it (refused unread).
    for size in (LIMIT + 1, 4 * LIMIT):
        response = _upload(client, b"x" * size)
        assert response.status_code == 413
        assert "larger than the limit of 100,000 bytes" in response.get_data(as_text=True)
        assert _files(app, world.a) == []
        assert _chunk_count(app) == chunks_before
    assert _upload(client, b"x" * LIMIT).status_code == 302  # the limit itself is fine


def test_an_upload_without_a_file_gets_a_form_error(app: Flask, portal, world: World) -> None:
    client = _staff(portal, world.a)
    response = client.post(PAGE, {}, csrf_from=PAGE, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a file to upload." in response.get_data(as_text=True)
    assert _files(app, world.a) == []


def test_a_deleted_image_is_no_longer_served(app: Flask, portal, world: World) -> None:
    client = _staff(portal, world.a)
    _upload(client, b"old firmware")
    path = _image_path(client.get(PAGE).get_data(as_text=True))
    [image] = _files(app, world.a)
    response = client.post(f"{PAGE}/{image.id}/delete", {}, csrf_from=PAGE)
    assert response.status_code == 302
    assert _files(app, world.a) == []
    assert portal(world.a).get(path).status_code == 404
    # Company B cannot delete company A's image by its id.
    _upload(client, b"kept firmware")
    [kept] = _files(app, world.a)
    other = _staff(portal, world.b)
    assert other.post(f"{PAGE}/{kept.id}/delete", {}, csrf_from=PAGE).status_code == 404
    assert [file.id for file in _files(app, world.a)] == [kept.id]


def _diagnostics_upload(app: Flask, company: Company) -> str:
    """A GetDiagnostics upload place for the company's site-1 station; its path."""
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        admin = db.session.scalar(select(User).where(User.email == company.email(Role.ADMIN)))
        station = stations.get(admin, company.station_site1)
        upload = diagnostics.new_upload(station, admin)
        db.session.commit()
        return f"/uploads/{upload.token}"


@pytest.mark.parametrize("how", ["put raw", "post raw", "post form", "put with name"])
def test_a_station_uploads_diagnostics_in_each_way_stations_do(
    app: Flask, portal, world: World, how: str
) -> None:
    path = _diagnostics_upload(app, world.a)
    station = portal(world.a).client
    host = f"http://{world.a.slug}.localhost"
    content = b"log line\n" * 1000
    if how == "put raw":
        response = station.put(path, base_url=host, data=content)
    elif how == "post raw":
        response = station.post(path, base_url=host, data=content,
                                content_type="application/octet-stream")
    elif how == "post form":
        response = station.post(path, base_url=host,
                                data={"file": (io.BytesIO(content), "diag.zip")})
    else:
        response = station.put(path + "/diag.zip", base_url=host, data=content)
    assert response.status_code == 201, response.get_data(as_text=True)
    [stored] = _files(app, world.a)
    assert (stored.size, stored.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    assert stored.name == ("diagnostics" if how.endswith("raw") else "diag.zip")
    staff = _staff(portal, world.a)
    page = staff.get(f"/stations/{world.a.station_site1}/firmware").get_data(as_text=True)
    link = f"/stations/{world.a.station_site1}/diagnostics/{stored.id}"
    assert link in page
    assert staff.get(link).get_data() == content


def test_an_oversized_diagnostics_upload_is_refused_and_nothing_is_stored(
    app: Flask, portal, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DIAGNOSTICS_MAX_BYTES", LIMIT)
    path = _diagnostics_upload(app, world.a)
    chunks_before = _chunk_count(app)
    station = portal(world.a).client
    host = f"http://{world.a.slug}.localhost"
    for response in (
        station.put(path, base_url=host, data=b"x" * (LIMIT + 1)),
        station.post(path, base_url=host, data={"file": (io.BytesIO(b"x" * (LIMIT + 1)), "a")}),
        station.put(path, base_url=host, data=b"x" * (4 * LIMIT)),
    ):
        assert response.status_code == 413
        assert b"larger than the limit" in response.get_data()
    [upload] = _files(app, world.a)
    assert (upload.stored_at, upload.size) == (None, 0)
    assert _chunk_count(app) == chunks_before


def test_a_diagnostics_token_is_useless_when_wrong_or_on_another_companys_host(
    app: Flask, portal, world: World
) -> None:
    path = _diagnostics_upload(app, world.a)
    assert portal(world.b).client.put(path, base_url=f"http://{world.b.slug}.localhost",
                                      data=b"x").status_code == 404
    assert portal(world.a).client.put(path[:-1] + "!", base_url=f"http://{world.a.slug}.localhost",
                                      data=b"x").status_code == 404
    # A firmware token is no upload address, and an upload address serves nothing.
    assert portal(world.a).get(path.replace("/uploads/", "/files/") + "/x").status_code == 404
    [upload] = _files(app, world.a)
    assert upload.stored_at is None
    staff = _staff(portal, world.a)
    assert staff.get(f"/stations/{world.a.station_site1}/diagnostics/{upload.id}").status_code \
        == 404  # requested, not arrived


def test_stations_get_addresses_on_the_host_station_files_url_names(
    app: Flask, portal, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "STATION_FILES_URL", "http://localhost:8080/")
    client = _staff(portal, world.a)
    _upload(client, b"firmware for the bare domain")
    html = client.get(PAGE).get_data(as_text=True)
    url = re.search(r"<code>(http://[^<]+)</code>", html).group(1)
    assert re.fullmatch(r"http://localhost:8080/files/[A-Za-z0-9_-]{43}/fw-2.0.bin", url)
    served = portal("").get(url.removeprefix("http://localhost:8080"))
    assert served.get_data() == b"firmware for the bare domain"


def test_a_wrong_token_gets_a_plain_404_a_station_can_read(portal, world: World) -> None:
    response = portal(world.a).get("/files/nothing-here/fw.bin")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_an_image_upload_without_its_csrf_token_is_refused(app: Flask, portal,
                                                           world: World) -> None:
    client = _staff(portal, world.a)
    response = client.post(PAGE, {"file": (io.BytesIO(b"forged"), "fw.bin")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)
    assert _files(app, world.a) == []


def test_a_station_on_the_bare_domain_uploads_with_the_token_alone(app: Flask, portal,
                                                                  world: World) -> None:
    path = _diagnostics_upload(app, world.a)
    response = portal("").client.put(path, base_url="http://localhost", data=b"bare")
    assert response.status_code == 201
    [stored] = _files(app, world.a)
    assert stored.size == 4


def test_get_diagnostics_for_an_offline_station_says_so_and_keeps_no_upload_address(
    app: Flask, portal, world: World
) -> None:
    client = _staff(portal, world.a)
    page = f"/stations/{world.a.station_site1}/firmware"
    response = client.post(f"/stations/{world.a.station_site1}/diagnostics", {},
                           csrf_from=page, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"GetDiagnostics to {world.a.station_site1}: Station offline." in html
    assert "No diagnostics requested yet." in html
    assert _files(app, world.a) == []
