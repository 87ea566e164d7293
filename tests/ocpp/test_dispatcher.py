"""A failure below the handlers costs the station one CALLERROR, never its connection."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask

from ocpp_ws import dispatcher
from ocpp_ws.station_state import StationState
from portal.extensions import db
from portal.models import Tenant
from tenants.scoping import tenant_scope
from tests.factories import make_tenant


def test_unexpected_failure_answers_internal_error_and_is_logged(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    company = make_tenant(app)
    with app.app_context(), tenant_scope(db.session.get(Tenant, company.tenant_id)):
        # Its row is gone: loading its state fails below the handlers.
        vanished_station = StationState(company.tenant_id, 10**9, "GONE")
        with caplog.at_level(logging.ERROR):
            answer = dispatcher.handle_frame(vanished_station, '[2,"9","Heartbeat",{}]', 65536)
            reply = dispatcher.handle_frame(vanished_station, '[3,"9",{}]', 65536)
    assert json.loads(answer) == [4, "9", "InternalError", "the central system failed", {}]
    assert reply is None
    assert "not handled" in caplog.text
