"""Firmware Management (OCPP 1.6 conformance TC_044, TC_045) on the real server: staff send
UpdateFirmware and GetDiagnostics from the portal, the station downloads the image and
uploads its diagnostics over HTTP at the addresses it was given, and reports progress."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from portal.extensions import db
from portal.models import Command, StationFile, StationFileKind
from portal.models.base import utcnow
from portal.services import stations
from portal.timestamps import parse_timestamp
from tests.factories import make_tenant
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import Answering, LivePortal, admin_email, new_token, post_command
from tests.ocpp.station_client import Station

IMAGE = hashlib.sha512(b"plugboard firmware").digest() * 40_000  # 2.5 MB: several chunks
ACCEPTED: Any = lambda unique_id: [3, unique_id, {}]  # noqa: E731  (UpdateFirmware's answer)
TOKEN = r"[A-Za-z0-9_-]{43}"


def _staff(company: OcppCompany) -> LivePortal:
    return LivePortal(company).login(admin_email(company))


def _fetch(company: OcppCompany, method: str, url: str, **kwargs: Any) -> requests.Response:
    """What a station does with an address it was given: no login, no cookie. (Test hosts
    such as <slug>.localhost do not resolve here, so it connects to the server directly.)"""
    address = urlsplit(url)
    assert address.port == company.port
    return requests.request(method, f"http://127.0.0.1:{company.port}{address.path}",
                            headers={"Host": address.netloc}, timeout=30, **kwargs)


def _upload_image(company: OcppCompany, staff: LivePortal, name: str = "fw-2.0.bin") -> int:
    response = staff.post("/firmware", {}, csrf_from="/firmware",
                          files={"file": (name, IMAGE)})
    assert response.status_code == 302, response.text
    return company.query(lambda: db.session.scalar(
        select(StationFile.id).where(StationFile.kind == StationFileKind.FIRMWARE)
        .order_by(StationFile.id.desc())))


def _update_firmware(company: OcppCompany, cp1: Station, staff: LivePortal,
                     **fields: str) -> list[Any]:
    """Post the station page's UpdateFirmware form; the CALL the station received."""
    answering = Answering(cp1, ACCEPTED)
    form = {"image": str(_upload_image(company, staff)), "retrieve_date": "", "retries": "",
            "retry_interval": "", **fields}
    response = staff.post("/stations/CP1/firmware/update", form,
                          csrf_from="/stations/CP1/firmware")
    assert response.status_code == 302, response.text
    return answering.join()


def _progress(staff: LivePortal, element: str) -> str:
    html = staff.get("/stations/CP1/firmware").text
    return re.search(rf'<td id="{element}">([^<]*)<', html).group(1).strip()


def _history(staff: LivePortal) -> list[str]:
    html = staff.get("/stations/CP1/firmware").text
    table = html.split('id="progress"')[1].split("</table>")[0]
    return re.findall(r"<td>([^<]+)</td></tr>", table)[::-1]  # oldest first


def _commands(company: OcppCompany) -> list[Command]:
    def read() -> list[Command]:
        found = list(db.session.scalars(select(Command).order_by(Command.id)))
        db.session.expunge_all()
        return found
    return company.query(read)


def _report(station: Station, action: str, *statuses: str) -> None:
    for status in statuses:
        assert station.call(action, {"status": status})[0] == 3


def _downloads_the_image(company: OcppCompany, call: list[Any]) -> str:
    _, _, action, payload = call
    assert action == "UpdateFirmware"
    location = payload["location"]
    assert re.fullmatch(rf"http://{company.slug}\.localhost:{company.port}/files/{TOKEN}/"
                        r"fw-2\.0\.bin", location), location
    download = _fetch(company, "GET", location)
    assert download.status_code == 200
    assert download.headers["Content-Length"] == str(len(IMAGE))
    assert download.content == IMAGE
    return location


def test_tc_044_1_firmware_update_download_and_install(company: OcppCompany,
                                                      cp1: Station) -> None:
    staff = _staff(company)
    call = _update_firmware(company, cp1, staff, retries="3", retry_interval="60")
    payload = call[3]
    assert (payload["retries"], payload["retryInterval"]) == (3, 60)
    assert abs(parse_timestamp(payload["retrieveDate"]) - utcnow()) < timedelta(minutes=1)
    _downloads_the_image(company, call)
    _report(cp1, "FirmwareStatusNotification", "Downloading", "Downloaded", "Installing")
    assert _progress(staff, "firmware-status").startswith("Installing")
    cp1.close()  # the station reboots into its new firmware
    with company.station() as rebooted:
        assert rebooted.boot()["status"] == "Accepted"
        assert rebooted.call("StatusNotification", {"connectorId": 0, "errorCode": "NoError",
                                                    "status": "Available"})[0] == 3
        _report(rebooted, "FirmwareStatusNotification", "Installed")
    assert _progress(staff, "firmware-status").startswith("Installed")
    assert _history(staff) == ["Firmware: Downloading", "Firmware: Downloaded",
                               "Firmware: Installing", "Firmware: Installed"]
    [command] = _commands(company)
    assert (command.action, command.payload) == ("UpdateFirmware", payload)


def test_tc_044_2_firmware_update_download_failed(company: OcppCompany, cp1: Station) -> None:
    staff = _staff(company)
    _update_firmware(company, cp1, staff)
    _report(cp1, "FirmwareStatusNotification", "Downloading", "DownloadFailed")
    assert _progress(staff, "firmware-status").startswith("DownloadFailed")
    assert _history(staff) == ["Firmware: Downloading", "Firmware: DownloadFailed"]


def test_tc_044_3_firmware_update_installation_failed(company: OcppCompany,
                                                      cp1: Station) -> None:
    staff = _staff(company)
    _downloads_the_image(company, _update_firmware(company, cp1, staff))
    _report(cp1, "FirmwareStatusNotification", "Downloading", "Downloaded", "Installing",
            "InstallationFailed")
    assert _progress(staff, "firmware-status").startswith("InstallationFailed")
    assert _history(staff)[-1] == "Firmware: InstallationFailed"


def _get_diagnostics(company: OcppCompany, cp1: Station, staff: LivePortal,
                     **fields: str) -> str:
    """Post the GetDiagnostics form; the station answers with its file name. The location."""
    answering = Answering(cp1, lambda unique_id: [3, unique_id, {"fileName": "diag-CP1.zip"}])
    form = {"start_time": "", "stop_time": "", "retries": "", "retry_interval": "", **fields}
    response = staff.post("/stations/CP1/diagnostics", form,
                          csrf_from="/stations/CP1/firmware")
    assert response.status_code == 302, response.text
    _, _, action, payload = answering.join()
    assert action == "GetDiagnostics"
    location = payload["location"]
    assert re.fullmatch(rf"http://{company.slug}\.localhost:{company.port}/uploads/{TOKEN}",
                        location), location
    return location


@pytest.mark.parametrize("how", ["POST form", "PUT", "PUT chunked"])
def test_tc_045_1_get_diagnostics(company: OcppCompany, cp1: Station, how: str) -> None:
    staff = _staff(company)
    location = _get_diagnostics(company, cp1, staff, retries="2", retry_interval="30")
    assert "diag-CP1.zip" in staff.get("/stations/CP1/firmware").text  # the station's answer
    _report(cp1, "DiagnosticsStatusNotification", "Uploading")
    content = b"2026-11-23 error 42\n" * 5000
    if how == "PUT":
        uploaded = _fetch(company, "PUT", location + "/diag-CP1.zip", data=content)
    elif how == "PUT chunked":  # no Content-Length: Transfer-Encoding chunked
        pieces = (content[start:start + 4096] for start in range(0, len(content), 4096))
        uploaded = _fetch(company, "PUT", location + "/diag-CP1.zip", data=pieces)
    else:
        uploaded = _fetch(company, "POST", location, files={"file": ("diag-CP1.zip", content)})
    assert uploaded.status_code == 201, uploaded.text
    _report(cp1, "DiagnosticsStatusNotification", "Uploaded")
    assert _progress(staff, "diagnostics-status").startswith("Uploaded")
    page = staff.get("/stations/CP1/firmware").text
    link = re.search(r'href="(/stations/CP1/diagnostics/\d+)">diag-CP1.zip</a>', page).group(1)
    assert staff.get(link).content == content
    assert requests.get(f"http://127.0.0.1:{company.port}{link}", allow_redirects=False,
                        headers={"Host": f"{company.slug}.localhost:{company.port}"},
                        timeout=10).status_code == 302  # to the login page: staff only
    [command] = _commands(company)
    assert command.payload == {"location": location, "retries": 2, "retryInterval": 30}


def test_tc_045_2_get_diagnostics_upload_failed(company: OcppCompany, cp1: Station) -> None:
    staff = _staff(company)
    _get_diagnostics(company, cp1, staff)
    _report(cp1, "DiagnosticsStatusNotification", "Uploading", "UploadFailed")
    assert _progress(staff, "diagnostics-status").startswith("UploadFailed")
    assert _history(staff) == ["Diagnostics: Uploading", "Diagnostics: UploadFailed"]
    assert "not yet" in staff.get("/stations/CP1/firmware").text  # no file arrived


def test_get_diagnostics_sends_the_period_typed_in_the_companys_zone_in_utc(
    company: OcppCompany, cp1: Station
) -> None:
    company.change(lambda tenant: setattr(tenant, "time_zone", "Europe/Berlin"))
    staff = _staff(company)
    _get_diagnostics(company, cp1, staff, start_time="2026-11-01T00:00",
                     stop_time="2026-11-02T12:30")
    [command] = _commands(company)
    assert (command.payload["startTime"], command.payload["stopTime"]) == (
        "2026-10-31T23:00:00.000Z", "2026-11-02T11:30:00.000Z")


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"retry_interval": "-5"}, "retry_interval", "Give a whole number of 0 or more."),
    ({"retries": "-1"}, "retries", "Give a whole number of 0 or more."),
    ({"retry_interval": "soon"}, "retry_interval", "Not a valid integer value."),
    ({"retrieve_date": "tomorrow"}, "retrieve_date", "Not a valid datetime value."),
])
def test_a_bad_update_firmware_form_gets_an_error_and_nothing_is_sent(
    company: OcppCompany, cp1: Station, form: dict[str, str], field: str, message: str
) -> None:
    staff = _staff(company)
    fields = {"image": str(_upload_image(company, staff)), "retrieve_date": "", "retries": "",
              "retry_interval": "", **form}
    response = staff.post("/stations/CP1/firmware/update", fields,
                          csrf_from="/stations/CP1/firmware")
    assert response.status_code in (400, 422)
    assert message in response.text
    with pytest.raises(TimeoutError):
        cp1.ws.recv(timeout=0.5)
    assert _commands(company) == []


@pytest.mark.parametrize(("form", "message"), [
    ({"start_time": "2026-11-02T00:00", "stop_time": "2026-11-01T00:00"},
     "The stop time must come after the start time."),
    ({"retry_interval": "-1"}, "Give a whole number of 0 or more."),
    ({"start_time": "yesterday"}, "Not a valid datetime value."),
])
def test_a_bad_get_diagnostics_form_gets_an_error_and_nothing_is_sent(
    company: OcppCompany, cp1: Station, form: dict[str, str], message: str
) -> None:
    response = _staff(company).post("/stations/CP1/diagnostics", form,
                                    csrf_from="/stations/CP1/firmware")
    assert response.status_code in (400, 422)
    assert message in response.text
    with pytest.raises(TimeoutError):
        cp1.ws.recv(timeout=0.5)
    assert _commands(company) == []
    assert company.query(lambda: db.session.scalars(select(StationFile)).all()) == []


def test_update_firmware_through_the_api_with_the_portals_address(company: OcppCompany,
                                                                  cp1: Station) -> None:
    staff = _staff(company)
    _upload_image(company, staff)
    location = re.search(r"<code>(http://[^<]+/files/[^<]+)</code>",
                         staff.get("/firmware").text).group(1)
    answering = Answering(cp1, ACCEPTED)
    response = post_command(company, new_token(company), {
        "action": "UpdateFirmware",
        "payload": {"location": location, "retrieveDate": "2026-11-23T10:00:00Z"}})
    assert response.status_code == 200, response.text
    call = answering.join()
    assert call[3] == {"location": location, "retrieveDate": "2026-11-23T10:00:00Z"}
    _downloads_the_image(company, call)


def test_update_firmware_of_many_stations_is_one_operation(company: OcppCompany,
                                                           cp1: Station) -> None:
    staff = _staff(company)
    image_id = _upload_image(company, staff)
    answering = Answering(cp1, ACCEPTED)
    response = staff.post("/firmware/update", [("stations", "CP1"), ("image", str(image_id)),
                                               ("retrieve_date", ""), ("retries", "1"),
                                               ("retry_interval", "")], csrf_from="/firmware")
    assert response.status_code == 302, response.text
    operation = re.fullmatch(r"/operations/([0-9a-f-]{36})", response.headers["Location"])
    assert operation
    call = answering.join()
    _downloads_the_image(company, call)
    assert call[3]["retries"] == 1
    [command] = _commands(company)
    assert command.operation_id == operation.group(1)


def test_a_station_of_another_company_cannot_be_chosen(company: OcppCompany, app,
                                                        cp1: Station) -> None:
    other = make_tenant(app)
    OcppCompany(other.slug, other.tenant_id, app, company.port).change(
        lambda tenant: stations.add(tenant, "CP-ELSEWHERE"))
    staff = _staff(company)
    image_id = _upload_image(company, staff)
    response = staff.post("/firmware/update", [("stations", "CP-ELSEWHERE"),
                                               ("image", str(image_id))], csrf_from="/firmware")
    assert response.status_code == 400
    assert "&#39;CP-ELSEWHERE&#39; is not a valid choice" in response.text
    with pytest.raises(TimeoutError):
        cp1.ws.recv(timeout=0.5)
    assert _commands(company) == []


def test_the_overview_shows_the_progress_with_its_time(company: OcppCompany,
                                                       cp1: Station) -> None:
    _report(cp1, "FirmwareStatusNotification", "Downloading")
    _report(cp1, "DiagnosticsStatusNotification", "Uploading")
    html = _staff(company).get("/stations/CP1").text
    assert re.search(r'id="firmware-status">Downloading<', html)
    assert re.search(r'id="diagnostics-status">Uploading<', html)
