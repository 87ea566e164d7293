"""`make run` as a new user would: a fresh copy of the project, no venv, no database.

The first run installs a new virtual environment, migrates, seeds the demo and serves;
the administrator's login is read from what `make run` printed, and the dashboard must
count the demo's stations. A second run in the same copy must reuse all of it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from portal.config import SETTINGS

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FIRST_RUN_TIMEOUT = 240  # seconds: a fresh venv is installed first
LATER_RUN_TIMEOUT = 90
ADMIN_LINE = re.compile(r"^\s*Administrator\s+(\S+@\S+)\s+(\S+)\s*$", re.MULTILINE)


def copy_project(target: Path) -> None:
    """Copy what a fresh clone would hold (plus work not yet committed), nothing ignored."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    for name in filter(None, listing.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the work tree is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def clean_environment(port: int) -> dict[str, str]:
    """The caller's environment without Plugboard's settings, the venv or make's state."""
    drop = {setting.name for setting in SETTINGS} | {
        "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "FLASK_APP", "FLASK_DEBUG",
        "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "PYTEST_ARGS", "PYTEST_ADDOPTS",
    }
    env = {key: value for key, value in os.environ.items() if key not in drop}
    venv_bin = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(
        entry for entry in env.get("PATH", os.defpath).split(os.pathsep) if entry != venv_bin
    )
    env["PORT"] = str(port)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Run:
    process: subprocess.Popen[bytes]
    log: Path
    port: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, lines: int = 120) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def fail(self, message: str) -> None:
        pytest.fail(f"{message}\n--- last lines printed by `make run` ---\n{self.tail()}",
                    pytrace=False)


@contextmanager
def make_run(project: Path, log: Path) -> Iterator[Run]:
    """`make run` in its own process group; the whole group is stopped on leaving."""
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            ["make", "run"], cwd=project, env=clean_environment(port),
            stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Run(process, log, port)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    with suppress(ProcessLookupError):  # whatever is left of the group
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def wait_until_serving(run: Run, http: requests.Session, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run.process.poll() is not None:
            run.fail(f"`make run` ended with exit code {run.process.returncode} before serving")
        try:
            response = get(http, run, "/login")
        except requests.ConnectionError:
            pass
        else:
            if response.status_code == 200:
                return
        time.sleep(0.5)
    run.fail(f"no 200 from /login on port {run.port} within {timeout:.0f} s")


def host(run: Run) -> str:
    return f"demo.localhost:{run.port}"


def get(http: requests.Session, run: Run, path: str) -> requests.Response:
    # Connect to loopback and name the tenant in the Host header, as README tells curl users.
    return http.get(f"http://127.0.0.1:{run.port}{path}", headers={"Host": host(run)},
                    allow_redirects=False, timeout=10)


def follow(http: requests.Session, run: Run, response: requests.Response) -> requests.Response:
    """Follow redirects on the demo host (demo.localhost itself need not resolve here)."""
    for _ in range(5):
        if not response.is_redirect:
            return response
        location = urlsplit(response.headers["Location"])
        assert location.netloc in ("", host(run)), f"redirected off the demo host: {location}"
        response = get(http, run, location.path + (f"?{location.query}" if location.query else ""))
    run.fail("too many redirects")
    raise AssertionError  # unreachable: run.fail raises


def log_in_and_count_stations(run: Run, http: requests.Session) -> int:
    logins = ADMIN_LINE.findall(run.output())
    if not logins:
        run.fail("`make run` printed no Administrator login")
    email, password = logins[-1]

    form = get(http, run, "/login").text
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', form)
    token = re.search(r'value="([^"]*)"', field.group(0)) if field else None
    if token is None:
        run.fail(f"no CSRF token in the login form:\n{form}")
    response = http.post(
        f"http://127.0.0.1:{run.port}/login", headers={"Host": host(run)},
        data={"csrf_token": token.group(1), "email": email, "password": password},
        allow_redirects=False, timeout=10,
    )
    if not response.is_redirect:
        run.fail(f"logging in as {email} answered {response.status_code}:\n{response.text}")
    dashboard = follow(http, run, response)
    assert dashboard.status_code == 200, dashboard.text
    assert dashboard.url.endswith("/dashboard"), f"the administrator landed on {dashboard.url}"
    tile = re.search(r'id="count-stations"[^>]*>\s*(\d+)\s*<', dashboard.text)
    if tile is None:
        run.fail(f"no Stations count tile (#count-stations) on the dashboard:\n{dashboard.text}")
    return int(tile.group(1))


def test_make_run_in_a_fresh_copy(tmp_path: Path) -> None:
    project = tmp_path / "plugboard"
    project.mkdir()
    copy_project(project)
    assert not (project / ".venv").exists() and not (project / "instance").exists()

    with make_run(project, tmp_path / "first-run.log") as run, requests.Session() as http:
        wait_until_serving(run, http, FIRST_RUN_TIMEOUT)
        assert (project / "instance" / "plugboard.db").is_file(), run.tail()
        stations = log_in_and_count_stations(run, http)
        assert stations > 0, f"the dashboard counts {stations} stations\n{run.tail()}"
        assert "Seeded the demo company" in run.output(), run.tail()
        assert f"http://demo.localhost:{run.port}" in run.output(), run.tail()

    with make_run(project, tmp_path / "second-run.log") as run, requests.Session() as http:
        wait_until_serving(run, http, LATER_RUN_TIMEOUT)
        output = run.output()
        assert "exists already" in output and "Seeded" not in output, run.tail()
        assert "pip install" not in output, f"the second run installed again\n{run.tail()}"
        assert log_in_and_count_stations(run, http) == stations, run.tail()
