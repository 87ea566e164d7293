"""Fuzz a payment service's routes with signed requests: bodies that are JSON objects with
extreme fields, or no JSON object at all; references in the address; odd delivery ids.

Every answer must be no 5xx, in the API's one error shape when it refuses, log no error,
and a refused request (4xx other than 409, which may be a reference's stored answer) must
have stored nothing (tests.fuzzing.check_json_answer). The station is offline (the
in-process app holds no socket): a start that passes every check is answered 409 and kept.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from ocpp.v16.enums import ChargePointStatus

from portal.extensions import db
from portal.models import ServiceKind
from portal.services import signing, stations, third_party
from tests.factories import make_tenant
from tests.fuzzing import FUZZ_SETTINGS, ODD_JSON, check_json_answer, mostly, text_values
from tests.partner_server import SECRET
from tests.scene import company_scope

EXAMPLES = 100
ZONE = "zone-1"


def _bodies(outlet_uuid: str) -> st.SearchStrategy[bytes]:
    fields = mostly(text_values(), st.sampled_from(ODD_JSON), times=3)
    references = mostly(st.sampled_from(["order-1", "order-2"]), fields, times=1)
    outlets = mostly(st.sampled_from([outlet_uuid, ZONE]), fields, times=1)
    objects = st.fixed_dictionaries({"reference": references, "outlet": outlets}).map(
        json.dumps)
    odd = st.sampled_from(["", "null", "[]", "{", '{"reference": NaN}', "[" * 10_000,
                           json.dumps({"reference": "r", "outlet": "x" * 5000})])
    return mostly(objects, odd, times=3).map(lambda text: text.encode("utf-8", "surrogatepass"))


def _requests(service_id: int, outlet_uuid: str) -> st.SearchStrategy[tuple[str, str, bytes]]:
    sessions = f"/integrations/{service_id}/sessions"
    starts = _bodies(outlet_uuid).map(lambda body: ("POST", sessions, body))
    stops = text_values().map(lambda reference: (
        "DELETE", f"{sessions}/{quote(reference, safe='', errors='surrogatepass')}", b""))
    return mostly(starts, stops, times=2)


@pytest.fixture
def service(app: Flask) -> tuple[str, int, str]:
    """A company's slug, its payment service and an Available outlet (id ZONE there)."""
    company = make_tenant(app)
    with company_scope(app, company) as tenant:
        service = third_party.create(tenant, third_party.ServiceValues(
            kind=ServiceKind.PAYMENT, name="Easypark", url="https://pay.example.com/",
            secret=SECRET, id_tag="EASYPARK"))
        outlet = stations.add(tenant, "CP1", connectors=1).outlets[0]
        outlet.status = ChargePointStatus.available
        outlet.external_ids = {str(service.id): ZONE}
        db.session.flush()
        return company.slug, service.id, outlet.uuid


def test_signed_requests_with_any_body_answer_without_a_5xx_or_a_trace(
        app: Flask, service: tuple[str, int, str], caplog: pytest.LogCaptureFixture) -> None:
    slug, service_id, outlet_uuid = service
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    deliveries = mostly(st.builds(lambda: str(uuid.uuid4())),
                        st.sampled_from(["", "x" * 101, "\x7f"]), times=4)

    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES)
    @given(_requests(service_id, outlet_uuid), deliveries,
           mostly(st.just(True), st.just(False)))
    def fuzz(request: tuple[str, str, bytes], delivery: str, well_signed: bool) -> None:
        method, path, body = request
        headers: dict[str, Any] = signing.headers(
            SECRET if well_signed else "another-secret-0123456789", int(time.time()), body,
            "session.start", delivery)
        check_json_answer(lambda: client.open(path, method=method, data=body, headers=headers,
                                              base_url=f"http://{slug}.localhost"),
                          engine, caplog, request)

    with caplog.at_level(logging.WARNING):
        fuzz()
