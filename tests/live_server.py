"""The real server (`flask serve`, gevent) in its own process, on the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import IO

import requests

from portal.config import PROJECT_ROOT


@contextmanager
def running_server(
    database_url: str, port: int, output: IO[bytes] | None = None, **settings: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `flask serve` on 127.0.0.1:port; yield its process. What it prints goes to
    `output` when given (a test reads its log there), else to a file nobody reads."""
    # Test stations answer only the calls a test has them answer: no GetConfiguration after
    # their first boot unless a test asks for it (tests/ocpp/test_configuration.py).
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
           "PORTAL_DOMAIN": "localhost", "OCPP_GET_CONFIGURATION_AT_FIRST_BOOT": "false",
           **settings}
    # A file, not a pipe: nobody reads a pipe while tests run, and a full one stalls the server.
    with nullcontext(output) if output else tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(f"http://127.0.0.1:{port}", process, output)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], output: IO[bytes]) -> None:
    # Generous: it returns as soon as the server answers, and an import of the app took over
    # 30 s on a machine shared by several suites (every test of that worker then failed).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            printed = output.read().decode(errors="replace")
            raise RuntimeError(f"the server exited with {process.returncode}:\n{printed}")
        try:
            requests.get(base, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("the server did not answer within 120 s")
