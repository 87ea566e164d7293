"""Who may connect: subprotocol, company, station and key are checked before the upgrade."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from websockets.exceptions import InvalidStatus
from werkzeug.security import generate_password_hash

from portal.models import Alarm, AlarmKind, ConnectionAttempt, RefusalReason, Station
from portal.services import stations
from tests.ocpp.conftest import KEY, OcppCompany
from tests.ocpp.station_client import basic_auth, open_socket


def _refused_status(company: OcppCompany, path: str, *, host: str | None = None,
                    authorization: str | None = None,
                    subprotocols: tuple[str, ...] = ("ocpp1.6",)) -> int:
    with pytest.raises(InvalidStatus) as refused, open_socket(
        company.port, host or f"{company.slug}.localhost", path,
        authorization=authorization, subprotocols=subprotocols,
    ):
        pass
    return refused.value.response.status_code


def _attempts(company: OcppCompany) -> list[tuple[str, RefusalReason, int]]:
    return company.query(lambda: [
        (attempt.charge_box_id, attempt.reason, attempt.attempts)
        for attempt in stations.db.session.scalars(select(ConnectionAttempt))
    ])


def test_tc_088_subprotocol_negotiation(company: OcppCompany) -> None:
    with open_socket(company.port, f"{company.slug}.localhost", "/ocpp/CP1",
                     authorization=basic_auth("CP1", KEY),
                     subprotocols=("ocpp2.0.1", "ocpp1.6")) as ws:
        assert ws.subprotocol == "ocpp1.6"


def test_tc_085_basic_authentication_valid_username_and_password(company: OcppCompany) -> None:
    with company.station() as station:
        assert station.boot()["status"] == "Accepted"
    assert company.query(lambda: stations.find("CP1").vendor) == "TestVendor"


def test_handshake_without_ocpp16_is_refused_with_400_and_recorded(company: OcppCompany) -> None:
    status = _refused_status(company, "/ocpp/CP1", authorization=basic_auth("CP1", KEY),
                             subprotocols=("ocpp2.0.1",))
    assert status == 400
    assert _attempts(company) == [("CP1", RefusalReason.NO_SUBPROTOCOL, 1)]


def test_unknown_company_is_404(company: OcppCompany) -> None:
    assert _refused_status(company, "/ocpp/CP1", host="no-such-company.localhost") == 404
    assert _refused_status(company, "/ocpp/no-such-company/CP1", host="localhost") == 404


def test_unknown_station_is_404_recorded_with_an_alarm(company: OcppCompany) -> None:
    for _ in range(2):
        assert _refused_status(company, "/ocpp/CP-NEW", authorization=basic_auth(
            "CP-NEW", KEY)) == 404
    assert _attempts(company) == [("CP-NEW", RefusalReason.UNKNOWN_STATION, 2)]
    alarms = company.query(lambda: [(a.kind, a.node) for a in stations.db.session.scalars(
        select(Alarm))])
    assert alarms == [(AlarmKind.NOT_REGISTERED, "CP-NEW")]


def test_wrong_or_missing_key_is_401_with_a_challenge(company: OcppCompany) -> None:
    with pytest.raises(InvalidStatus) as refused, open_socket(
        company.port, f"{company.slug}.localhost", "/ocpp/CP1",
        authorization=basic_auth("CP1", "not-the-key-at-all"),
    ):
        pass
    assert refused.value.response.status_code == 401
    assert refused.value.response.headers["WWW-Authenticate"].startswith("Basic")
    assert _refused_status(company, "/ocpp/CP1") == 401
    assert _refused_status(company, "/ocpp/CP1", authorization=basic_auth("CP2", KEY)) == 401
    assert sorted(_attempts(company)) == [("CP1", RefusalReason.MISSING_KEY, 1),
                                          ("CP1", RefusalReason.WRONG_KEY, 2)]


def test_key_of_another_companys_station_with_the_same_id_is_refused(
    company: OcppCompany, app, live_server: int
) -> None:
    from tests.factories import make_tenant
    from tests.ocpp.conftest import OcppCompany as Company

    other = make_tenant(app)
    other_company = Company(other.slug, other.tenant_id, app, live_server)
    other_company.change(lambda tenant: stations.add(tenant, "CP1",
                                                     auth_key="the-other-company-key"))
    assert _refused_status(company, "/ocpp/CP1",
                           authorization=basic_auth("CP1", "the-other-company-key")) == 401
    with other_company.station(key="the-other-company-key") as station:
        assert station.boot()["status"] == "Accepted"
    assert company.query(lambda: stations.find("CP1").vendor) == ""


def test_station_connects_on_the_bare_domain_path(company: OcppCompany) -> None:
    with company.station(bare_domain=True) as station:
        assert station.boot()["status"] == "Accepted"


def test_station_without_key_only_where_the_company_allows_it(company: OcppCompany) -> None:
    company.change(lambda tenant: stations.add(tenant, "CP-OPEN"))
    assert _refused_status(company, "/ocpp/CP-OPEN") == 401

    def allow(tenant) -> None:
        tenant.allow_stations_without_key = True

    company.change(allow)
    with company.station("CP-OPEN", key=None) as station:
        assert station.boot()["status"] == "Accepted"
    # A station that has a key still needs it.
    assert _refused_status(company, "/ocpp/CP1") == 401


def test_auto_registration_admits_unknown_stations_as_pending(company: OcppCompany) -> None:
    def auto(tenant) -> None:
        tenant.auto_register_stations = True

    company.change(auto)
    with company.station("CP-AUTO", key="auto-station-key-0001") as station:
        answer = station.boot()
        assert answer["status"] == "Pending"
        assert station.call("Heartbeat")[2] == "SecurityError"
    registered = company.query(lambda: stations.db.session.scalar(
        select(Station.registration_status).where(Station.charge_box_id == "CP-AUTO")))
    assert registered.value == "Pending"
    # It keeps the key it presented: another key is refused.
    assert _refused_status(company, "/ocpp/CP-AUTO", authorization=basic_auth(
        "CP-AUTO", "some-other-key-00000")) == 401


def test_plain_http_request_to_the_endpoint_is_400(company: OcppCompany) -> None:
    import requests

    response = requests.get(f"http://127.0.0.1:{company.port}/ocpp/CP1",
                            headers={"Host": f"{company.slug}.localhost"}, timeout=5)
    assert response.status_code == 400


@pytest.mark.parametrize("charge_box_id", [".", ".."])
def test_dot_segments_are_no_chargebox_ids_refused_with_400_storing_nothing(
    company: OcppCompany, charge_box_id: str
) -> None:
    def auto(tenant) -> None:
        tenant.auto_register_stations = True

    company.change(auto)
    assert _refused_status(company, f"/ocpp/{charge_box_id}", authorization=basic_auth(
        charge_box_id, "dot-station-key-00001")) == 400
    assert _refused_status(company, f"/ocpp/{company.slug}/{charge_box_id}", host="localhost",
                           subprotocols=("ocpp2.0.1",)) == 400
    assert _attempts(company) == []
    assert company.query(lambda: (
        stations.db.session.scalars(select(Alarm.node)).all(),
        stations.db.session.scalars(select(Station.charge_box_id)).all())) == ([], ["CP1"])


def test_a_key_once_checked_is_checked_by_its_verifier_until_the_key_changes(
        company: OcppCompany) -> None:
    def verifier() -> str | None:
        return company.query(lambda: stations.find("CP1").auth_key_verifier)

    def forget_verifier(_tenant) -> None:  # as for a key set before verifiers were kept
        stations.find("CP1").auth_key_verifier = None

    # Staff gave the key: its verifier is kept with its hash, before any connection.
    set_with_key = verifier()
    assert set_with_key is not None and KEY not in set_with_key
    company.change(forget_verifier)
    with company.station() as station:  # the scrypt, once
        assert station.boot()["status"] == "Accepted"
    assert verifier() == set_with_key
    with company.station() as station:  # again: by the verifier, which stays as it was
        assert station.boot()["status"] == "Accepted"
    assert verifier() == set_with_key
    company.change(lambda _: stations.replace_auth_key(stations.find("CP1"),
                                                   "the-new-key-0123456789"))
    new_key_verifier = verifier()
    assert new_key_verifier not in (None, set_with_key)
    # The old key no longer passes, by its old verifier or otherwise.
    assert _refused_status(company, "/ocpp/CP1", authorization=basic_auth("CP1", KEY)) == 401
    with company.station(key="the-new-key-0123456789") as station:
        assert station.boot()["status"] == "Accepted"
    assert verifier() == new_key_verifier


def test_a_verifier_stands_for_the_key_only_with_the_hash_it_was_made_of(app) -> None:
    # A hash of another key: the key passes only where its verifier is believed.
    hashed = generate_password_hash("another-key-0123456789", method="scrypt:1024:8:1")
    with app.app_context():
        made = stations.key_verifier(hashed, KEY)
        expected = stations.ExpectedKey(1, "CP1", hashed, made, False)
        assert expected.refusal("CP1", KEY) is None
        assert expected.refusal("CP1", KEY + "x") is RefusalReason.WRONG_KEY
        assert expected.refusal("CP2", KEY) is RefusalReason.WRONG_KEY
        rehashed = generate_password_hash("another-key-0123456789", method="scrypt:1024:8:1")
        other = stations.ExpectedKey(1, "CP1", rehashed, made, False)
        assert other.refusal("CP1", KEY) is RefusalReason.WRONG_KEY
