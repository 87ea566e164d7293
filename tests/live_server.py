"""The real server (`flask serve`, gevent, or gunicorn as the Procfile runs it) in its own
process, on the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import IO

from portal.config import PROJECT_ROOT


def running_server(
    database_url: str, port: int, output: IO[bytes] | None = None, **settings: str
) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """Start `flask serve` on 127.0.0.1:port; yield its process. What it prints goes to
    `output` when given (a test reads its log there), else to a file nobody reads."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)]
    return _running(command, database_url, port, output, settings)


def running_gunicorn(
    database_url: str, port: int, output: IO[bytes] | None = None, workers: int = 1,
    **settings: str
) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """Start gunicorn on 127.0.0.1:port as the Procfile does, with `workers` workers. It
    listens before its workers have loaded the app: a first request waits for that."""
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
               "-k", "gevent", "-w", str(workers), "--graceful-timeout", "2",
               "-b", f"127.0.0.1:{port}", "wsgi:app"]
    return _running(command, database_url, port, output, settings)


@contextmanager
def _running(
    command: list[str], database_url: str, port: int, output: IO[bytes] | None,
    settings: dict[str, str],
) -> Iterator[subprocess.Popen[bytes]]:
    # Test stations answer only the calls a test has them answer: no GetConfiguration after
    # their first boot unless a test asks for it (tests/ocpp/test_configuration.py).
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
           "PORTAL_DOMAIN": "localhost", "OCPP_GET_CONFIGURATION_AT_FIRST_BOOT": "false",
           **settings}
    # A file, not a pipe: nobody reads a pipe while tests run, and a full one stalls the server.
    with nullcontext(output) if output else tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT)
        try:
            _wait_until_up(port, process, output)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_up(port: int, process: subprocess.Popen[bytes], output: IO[bytes]) -> None:
    # Generous: it returns as soon as the server listens, and an import of the app took over
    # 30 s on a machine shared by several suites (every test of that worker then failed).
    # Listening, not answering a request: a server with TLS_CERT_FILE answers no plain HTTP.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            printed = output.read().decode(errors="replace")
            raise RuntimeError(f"the server exited with {process.returncode}:\n{printed}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not listen within 120 s")
