"""Prometheus metrics: on a listener of their own, never on the portal's port; under gunicorn,
the workers' values added up by the master."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from portal import config, metrics
from portal.config import PROJECT_ROOT
from portal.models import ServiceKind
from portal.services import outbox, third_party
from portal.services.third_party import ServiceValues
from tests.conftest import free_port
from tests.factories import make_tenant
from tests.live_server import running_server
from tests.ocpp.conftest import OcppCompany, seed
from tests.ocpp.remote import new_token, post_command
from tests.partner_server import SECRET
from tests.scene import company_scope

HEARTBEATS = ("plugboard_ocpp_messages_total", (("action", "Heartbeat"), ("outcome", "answered")))
HEARTBEAT_ANSWERS = ("plugboard_ocpp_answer_seconds_count", (("action", "Heartbeat"),))
CONNECTED = ("plugboard_stations_connected", ())
BATCHES = ("plugboard_group_commit_batch_frames_count", ())
BACKLOG = ("plugboard_outbox_backlog_events", ())
OFFLINE_COMMANDS = ("plugboard_commands_total", (("action", "ClearCache"), ("outcome", "offline")))

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> Samples:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "not within 30 s"
        time.sleep(0.1)


def test_the_operations_guide_names_every_metric_and_no_other() -> None:
    assert metrics.OCPP_MESSAGES  # each of portal.metrics registers itself
    families = {family.name: family.type for family in REGISTRY.collect()
                if family.name.startswith("plugboard_")}
    suffixes = {"counter": ("_total",), "gauge": ("",), "histogram": ("", "_bucket", "_count",
                                                                      "_sum")}
    exported = {name + suffix for name, kind in families.items() for suffix in suffixes[kind]}
    named = set(re.findall(r"plugboard_\w+", (PROJECT_ROOT / "docs/operations.md").read_text()))
    assert named <= exported, named - exported
    assert {name + suffixes[kind][0] for name, kind in families.items()} <= named


def test_metrics_are_off_by_default_and_never_on_the_portals_port(live_server: int) -> None:
    assert config.load({})["METRICS_PORT"] is None
    assert config.load({})["METRICS_HOST"] == "127.0.0.1"
    response = requests.get(f"http://127.0.0.1:{live_server}/metrics",
                            headers={"Host": "localhost"}, timeout=10)
    assert response.status_code == 404


@pytest.fixture
def served(app: Flask, database_url: str) -> Iterator[tuple[OcppCompany, int]]:
    """`flask serve` with METRICS_PORT: a company on it, and the metrics port."""
    port, metrics_port = free_port(), free_port()
    with running_server(database_url, port, METRICS_PORT=str(metrics_port)):
        made = make_tenant(app)
        company = OcppCompany(made.slug, made.tenant_id, app, port)
        company.change(seed)
        yield company, metrics_port


def test_an_answered_heartbeat_and_a_command_show_in_the_metrics(
        served: tuple[OcppCompany, int]) -> None:
    company, metrics_port = served
    with company.station() as station:
        station.boot()
        before = scrape(metrics_port)
        assert station.call("Heartbeat")[0] == 3
        during = scrape(metrics_port)
    wait_for(lambda: scrape(metrics_port).get(CONNECTED) == 0)
    response = post_command(company, new_token(company), {"action": "ClearCache", "payload": {}})
    assert response.status_code == 409
    after = scrape(metrics_port)

    assert during[HEARTBEATS] == before.get(HEARTBEATS, 0) + 1
    assert during[HEARTBEAT_ANSWERS] == before.get(HEARTBEAT_ANSWERS, 0) + 1
    assert during[BATCHES] > before[BATCHES]
    assert during[CONNECTED] == 1
    assert after[OFFLINE_COMMANDS] == 1


def test_the_clock_serves_its_metrics_on_its_own_port(app: Flask, database_url: str,
                                                      tmp_path: Path) -> None:
    company = make_tenant(app)
    with company_scope(app, company) as tenant:  # an event waits in the outbox
        service = third_party.create(tenant, ServiceValues(
            kind=ServiceKind.WEBHOOK, name="ERP", url="http://127.0.0.1:9/", secret=SECRET,
            events=("session.ended",)))
        service_id = service.id
        outbox.emit(service, "session.ended", {"transactionId": 1})
    metrics_port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
           "CLOCK_METRICS_PORT": str(metrics_port)}
    with (tmp_path / "clock.log").open("w") as sink:
        clock = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run"],
                                 cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _scraped(metrics_port).get(BACKLOG, 0) >= 1)
    finally:
        clock.terminate()
        clock.wait(timeout=30)
        with company_scope(app, company):  # no other test's delivery worker meets its event
            third_party.delete(third_party.get(service_id))


def _scraped(port: int) -> Samples:
    try:
        return scrape(port)
    except requests.ConnectionError:  # not listening yet
        return {}


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def test_gunicorn_sums_its_workers_and_forgets_a_dead_workers_stations(
        app: Flask, database_url: str, tmp_path: Path) -> None:
    """As deployed (Procfile, gunicorn.conf.py): two workers, the master's listener."""
    made = make_tenant(app)
    port, metrics_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
           "PORTAL_DOMAIN": "localhost", "OCPP_GET_CONFIGURATION_AT_FIRST_BOOT": "false",
           "METRICS_PORT": str(metrics_port)}
    with (tmp_path / "gunicorn.log").open("w") as sink:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
             "-k", "gevent", "-w", "2", "--graceful-timeout", "2", "-b", f"127.0.0.1:{port}",
             "wsgi:app"], cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        company = OcppCompany(made.slug, made.tenant_id, app, port)
        company.change(seed)
        wait_for(lambda: _answers(port))
        with company.station() as station:
            station.boot()
            assert station.call("Heartbeat")[0] == 3
            counted = scrape(metrics_port)
            assert counted[HEARTBEATS] == 1 and counted[CONNECTED] == 1
            workers = _workers(server.pid)
            for worker in workers:
                os.kill(worker, signal.SIGKILL)
            wait_for(lambda: scrape(metrics_port).get(CONNECTED, 0) == 0)
        # A dead worker's counts stay: counters never go down.
        assert scrape(metrics_port)[HEARTBEATS] == 1
        assert set(_workers(server.pid)).isdisjoint(workers)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or its workers still starting
        return False
