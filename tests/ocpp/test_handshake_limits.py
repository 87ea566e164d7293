"""What knocking at the OCPP endpoint may store: new Pending stations per company, refused
connections per company and address, and staff forgetting the refusals."""

from __future__ import annotations

from limits import parse_many
from ocpp.v16.enums import RegistrationStatus
from sqlalchemy import select
from websockets.exceptions import InvalidStatus

from portal import config
from portal.models import Alarm, ConnectionAttempt, Station
from portal.services import stations
from tests.ocpp.conftest import OcppCompany
from tests.ocpp.remote import LivePortal, admin_email
from tests.ocpp.station_client import basic_auth, open_socket

KNOCKS = 20


def _allowed(setting: str) -> int:
    """How many the live server's setting allows in its shortest window."""
    allowed = min(item.amount for item in parse_many(config.load()[setting]))
    assert allowed < KNOCKS, f"{setting} must be below {KNOCKS} for these tests"
    return allowed


def _knock(company: OcppCompany, charge_box_id: str, source: str | None = None) -> int:
    """Connect as an unknown station; the HTTP status of the handshake (101: let in)."""
    try:
        # Let in, it leaves at once: no need to wait for the server's closing frame (on
        # PostgreSQL it often takes the whole close timeout to come).
        with open_socket(company.port, f"{company.slug}.localhost", f"/ocpp/{charge_box_id}",
                         authorization=basic_auth(charge_box_id, "knocking-station-key-01"),
                         source=source, close_timeout=0.5):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


def _auto_register(company: OcppCompany) -> None:
    def auto(tenant) -> None:
        tenant.auto_register_stations = True

    company.change(auto)


def _pending(company: OcppCompany) -> list[str]:
    return company.query(lambda: stations.db.session.scalars(
        select(Station.charge_box_id).where(
            Station.registration_status == RegistrationStatus.pending)).all())


def _records(company: OcppCompany) -> tuple[list[tuple[str, str, int]], int]:
    """(chargeBoxId, address, attempts) of each refused-connection record; alarms raised."""
    def read() -> tuple[list[tuple[str, str, int]], int]:
        session = stations.db.session
        records = [(a.charge_box_id, a.remote_address, a.attempts)
                   for a in session.scalars(select(ConnectionAttempt)
                                            .order_by(ConnectionAttempt.id))]
        return records, len(session.scalars(select(Alarm)).all())

    return company.query(read)


def test_auto_registration_adds_at_most_the_limit_of_pending_stations(
    company: OcppCompany, other_company: OcppCompany
) -> None:
    _auto_register(company)
    statuses = [_knock(company, f"CP-FLOOD-{number:02}") for number in range(KNOCKS)]
    allowed = _allowed("OCPP_AUTO_REGISTER_LIMIT")
    # past the limit an unknown station is refused as without auto-registration
    assert statuses == [101] * allowed + [404] * (KNOCKS - allowed)
    assert sorted(_pending(company)) == [f"CP-FLOOD-{number:02}" for number in range(allowed)]
    # each company counts its own
    _auto_register(other_company)
    assert _knock(other_company, "CP-FLOOD-00") == 101


def test_refused_connections_are_recorded_up_to_the_limit_per_company_and_address(
    company: OcppCompany, other_company: OcppCompany
) -> None:
    statuses = [_knock(company, f"CP-KNOCK-{number:02}") for number in range(KNOCKS)]
    assert statuses == [404] * KNOCKS  # answered as ever, recorded or not
    allowed = _allowed("OCPP_REFUSED_CONNECTIONS_LIMIT")
    records, alarms = _records(company)
    assert records == [(f"CP-KNOCK-{number:02}", "127.0.0.1", 1) for number in range(allowed)]
    assert alarms == allowed
    # another address, and the same address at another company, have their own count
    assert _knock(company, "CP-ELSEWHERE", source="127.0.0.2") == 404
    assert _records(company)[0][-1] == ("CP-ELSEWHERE", "127.0.0.2", 1)
    assert _knock(other_company, "CP-KNOCK-00") == 404
    assert _records(other_company)[0] == [("CP-KNOCK-00", "127.0.0.1", 1)]


def test_purging_forgets_the_refused_connections_of_that_company_only(
    company: OcppCompany, other_company: OcppCompany
) -> None:
    for refused in (company, other_company):
        assert [_knock(refused, "CP-GONE"), _knock(refused, "CP-LOST")] == [404, 404]
    staff = LivePortal(company).login(admin_email(company))
    assert "CP-GONE" in staff.get("/connection-attempts").text
    assert staff.post("/connection-attempts/purge").status_code == 400  # no CSRF token
    assert len(_records(company)[0]) == 2
    response = staff.post("/connection-attempts/purge", csrf_from="/connection-attempts")
    assert response.status_code == 302
    page = staff.get("/connection-attempts").text
    assert "2 refused connection records forgotten." in page
    assert "No refused connections." in page and "CP-GONE" not in page
    assert _records(company)[0] == []
    assert [record[0] for record in _records(other_company)[0]] == ["CP-GONE", "CP-LOST"]

