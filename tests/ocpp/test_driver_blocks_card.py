"""A driver blocks their lost card on their own page: the station's next Authorize, over a real
socket to the live server, answers Blocked, and the local lists' next update carries it."""

from __future__ import annotations

from portal.models import Role, Tenant
from portal.services import local_list, tags, users
from tests.factories import PASSWORD
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import LivePortal
from tests.ocpp.station_client import Station


def _give_valid_to_a_driver(tenant: Tenant) -> None:
    driver = users.create(tenant, email="driver@example.com", password=PASSWORD,
                          role=Role.EV_USER)
    tags.set_owner(tags.find("VALID"), driver)


def test_a_card_the_driver_blocks_is_blocked_at_the_next_authorize(
    company: OcppCompany, cp1: Station
) -> None:
    company.change(_give_valid_to_a_driver)
    assert cp1.result("Authorize", {"idTag": "VALID"}) == {"idTagInfo": {"status": "Accepted"}}
    tag_id = company.query(lambda: tags.find("VALID").id)
    portal = LivePortal(company).login("driver@example.com")
    response = portal.post(f"/my/tags/{tag_id}/block", csrf_from="/my/tags")
    assert response.status_code == 302, response.text
    assert cp1.result("Authorize", {"idTag": "VALID"}) == {"idTagInfo": {"status": "Blocked"}}
    assert company.query(lambda: {entry.id_tag: entry.status
                                  for entry in local_list.wanted()})["VALID"] == "Blocked"
    # a driver does not unblock: the staff's page is no page of theirs
    assert portal.post(f"/tags/{tag_id}/unblock", csrf_from="/my/tags").status_code == 404
    assert cp1.result("Authorize", {"idTag": "VALID"}) == {"idTagInfo": {"status": "Blocked"}}
