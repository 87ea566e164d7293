"""A tag blocked on the tags page is refused at the station's next Authorize, over a real
socket to the live server; unblocked, it is accepted again."""

from __future__ import annotations

from portal.services import local_list, tags
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import LivePortal, admin_email
from tests.ocpp.station_client import Station


def test_a_tag_blocked_in_the_browser_is_blocked_at_the_next_authorize(
    company: OcppCompany, cp1: Station
) -> None:
    assert cp1.result("Authorize", {"idTag": "VALID"}) == {"idTagInfo": {"status": "Accepted"}}
    tag_id = company.query(lambda: tags.find("VALID").id)
    portal = LivePortal(company).login(admin_email(company))
    response = portal.post(f"/tags/{tag_id}/block", csrf_from="/tags")
    assert response.status_code == 302, response.text
    assert cp1.result("Authorize", {"idTag": "valid"}) == {"idTagInfo": {"status": "Blocked"}}
    # what stations' local lists get at their next update
    assert company.query(lambda: {entry.id_tag: entry.status
                                  for entry in local_list.wanted()})["VALID"] == "Blocked"
    portal.post(f"/tags/{tag_id}/unblock", csrf_from="/tags")
    assert cp1.result("Authorize", {"idTag": "VALID"}) == {"idTagInfo": {"status": "Accepted"}}
