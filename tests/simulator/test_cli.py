"""`flask simulate` and `python -m simulator` as a person runs them: exit status and messages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from portal.cli.demo import SIMULATED, TAGS
from portal.config import PROJECT_ROOT
from simulator.options import Options
from tests.simulator.conftest import serving_in_thread


@pytest.fixture(scope="module")
def refusing_port() -> Iterator[int]:
    """A server that refuses every handshake as the portal does a wrong key."""
    def refuse(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(HTTPStatus.UNAUTHORIZED, "Wrong authorization key\n")

    with serving_in_thread(lambda: serve(lambda _: None, "127.0.0.1", 0,
                                         process_request=refuse)) as port:
        yield port


def simulate(*command: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}"}
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=30)


def test_refused_handshake_exits_1_and_shows_the_http_status(refusing_port: int,
                                                              tmp_path: Path) -> None:
    url = f"ws://demo.localhost:{refusing_port}/ocpp/DEMO-SIM-01"
    result = simulate(sys.executable, "-m", "simulator", url, "--id", "DEMO-SIM-01",
                      "--auth-key", "not-the-right-key-123", tmp_path=tmp_path)

    assert result.returncode == 1, result
    assert "refused the connection: HTTP 401 Unauthorized: Wrong authorization key" in (
        result.stderr)


def test_flask_simulate_runs_the_simulator(refusing_port: int, tmp_path: Path) -> None:
    flask = Path(sys.executable).with_name("flask")
    url = f"ws://127.0.0.1:{refusing_port}/ocpp/CP-1"
    result = simulate(str(flask), "--app", "wsgi", "simulate", url, "--id", "CP-1",
                      "--scenario", "boot", tmp_path=tmp_path)

    assert result.returncode == 1, result
    assert "HTTP 401" in result.stderr


def test_one_shot_scenario_without_a_server_exits_1_at_once(tmp_path: Path) -> None:
    from tests.conftest import free_port

    url = f"ws://127.0.0.1:{free_port()}/ocpp/CP-1"
    result = simulate(sys.executable, "-m", "simulator", url, "--id", "CP-1",
                      tmp_path=tmp_path)

    assert result.returncode == 1
    assert f"cannot connect to {url}" in result.stderr


def test_make_run_simulates_the_demo_stations_with_their_keys_and_tags() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text().replace("\\\n", " ")
    listed = re.search(r"^SIMULATED_STATIONS := (.*)$", makefile, re.MULTILINE)
    assert listed, "no SIMULATED_STATIONS in the Makefile"
    stations = [entry.split(":") for entry in listed.group(1).split()]
    assert [(charge_box_id, key) for charge_box_id, key, _ in stations] == list(SIMULATED)
    tags = [tag for *_, tag in stations]
    assert set(tags) <= set(TAGS) and len(set(tags)) == len(tags)
    assert Options(url="", charge_box_id="").id_tag in TAGS
