"""Plugboard's OCPP endpoint against the bare reference server, same load, side by side.

    DATABASE_URL=postgresql://127.0.0.1/plugboard_bench \\
        .venv/bin/python bench/run.py --stations 1000 --rate 1 [--duration 30]
    ... bench/run.py --stations 10000 --interval 20
    ... bench/run.py --stations 200 --saturate
    ... bench/run.py --storm --stations 10000 --workers 2 [--duration 60] [--reuse]

DATABASE_URL names a database whose name contains "bench": it is emptied, migrated, and
given a company `bench` that lets stations connect without a key, with stations
BENCH-00001... and one tag per station (each station charges with its own chargeBoxId as
idTag). With --storm every station has its own key (security profile 1). Then, one after
the other: `flask serve` on that database, then
bench/reference_server.py, each in a fresh process, each loaded by bench/ocpp_load.py
with the same arguments. See bench/README.md for what the figures mean on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ocpp_load import raise_fd_limit  # noqa: E402

BENCH = ROOT / "bench"
PYTHON = sys.executable
# The company's administrator, made by provision().
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@bench.example", "bench-pass-1"
KEY_PREFIX = "bench-key-"  # --storm: a station's key is this and its chargeBoxId
STORM = ["--key-prefix", KEY_PREFIX, "--handshakes", "200", "--connect-rate", "1000000",
         "--interval", "60"]
ROWS = (
    ("connections held", lambda f: f"{f['held']} of {f['stations']}"),
    ("answered msg/s", lambda f: f"{f['messages_per_second']:,.0f}"),
    ("latency p50 / p95 ms", lambda f: f"{f['p50_ms']:.1f} / {f['p95_ms']:.1f}"),
    ("latency p99 / max ms", lambda f: f"{f['p99_ms']:.1f} / {f['max_ms']:.1f}"),
    ("behind schedule", lambda f: str(f["late"])),
    ("taken in (connect, boot, start)", lambda f: f"{f['connected']} in {f['take_in_s']:.1f} s"),
    ("StopTransaction all at once", lambda f: f"p99 {f['stop_p99_ms']:.0f} / max "
                                              f"{f['stop_max_ms']:.0f} ms"),
    ("errors (listed below)", lambda f: str(sum(f["errors"].values()))),
    ("server CPU, % of a core", lambda f: f"{f['server_cpu_percent']:.0f}"),
    ("server RSS MB: idle", lambda f: f"{f['server_rss_idle_mb']:.0f}"),
    ("  all connected / peak", lambda f: f"{f['server_rss_loaded_mb']:.0f} / "
                                         f"{f['server_rss_mb']:.0f}"),
    ("server KB per connection", lambda f: f"{f['server_kb_per_connection'] or 0:.0f}"),
    ("generator CPU, % of a core", lambda f: f"{f['generator_cpu_percent']:.0f}"),
    ("machine CPU, % of a core", lambda f: f"{f['machine_cpu_percent']:.0f}"),
)


def provision(url: str, count: int, keys: bool = False) -> None:
    """An empty, migrated database with company `bench`, its stations and their tags; with
    `keys`, each station has its own key and none may connect without."""
    from portal.extensions import db
    from portal.services import sites, stations, tags
    from tenants import provisioning
    from tenants.scoping import tenant_scope
    from tests.conftest import empty_database

    empty_database(url)
    app = migrated(url)
    with app.app_context():
        tenant = provisioning.create_tenant("bench", "Bench Co", ADMIN_EMAIL, ADMIN_PASSWORD)
        tenant.allow_stations_without_key = not keys  # else security profile 1
        with tenant_scope(tenant):
            site = sites.find_or_create(tenant, "Bench")
            for charge_box_id in charge_box_ids(count):
                stations.add(tenant, charge_box_id, site=site, connectors=1,
                              auth_key=KEY_PREFIX + charge_box_id if keys else None)
                tags.add(tenant, charge_box_id)
        db.session.commit()
        db.engine.dispose()


def migrated(url: str) -> Flask:
    """The app on the database at `url`, migrated to the newest revision."""
    from flask_migrate import upgrade

    from portal import config, create_app
    from portal.extensions import db

    app = create_app({"DATABASE_URL": url, "SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": config.engine_options(url)})
    with app.app_context():
        upgrade()
        db.engine.dispose()  # the run holds no connection of its own
    return app


def bench_database_url() -> str:
    from portal import config

    url = os.environ.get("DATABASE_URL", "")
    if url:
        url = config.load({"DATABASE_URL": url})["DATABASE_URL"]
    if "bench" not in (make_url(url).database or "" if url else ""):
        sys.exit("Set DATABASE_URL to a database whose name contains 'bench' (it is emptied),"
                 " e.g. postgresql://127.0.0.1/plugboard_bench")
    return url


def charge_box_ids(count: int) -> list[str]:
    return [f"BENCH-{number:05}" for number in range(1, count + 1)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(command: list[str], port: int, env: dict[str, str], log: Path) -> Iterator[int]:
    """Start a server, wait until it accepts connections, yield its PID, stop it."""
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the server did not start:\n{log.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # gunicorn waits for open connections to end
            process.kill()
            process.wait()


def load(url: str, pid: int, load_arguments: list[str]) -> dict:
    result = subprocess.run(
        [PYTHON, str(BENCH / "ocpp_load.py"), url, "--server-pid", str(pid), "--json",
         *load_arguments], cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def plugboard_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment Plugboard is served with: this one, the bench database, `settings`."""
    # The load's stations decline every call of the server: with the first fetch of their
    # configuration on, each boot would fetch it again, where a real fleet answered it once.
    return {**os.environ, "DATABASE_URL": database_url, "PORTAL_DOMAIN": "localhost",
            "SECRET_KEY": "bench-secret-key", "LOG_LEVEL": "WARNING",
            "OCPP_GET_CONFIGURATION_AT_FIRST_BOOT": "false", **settings}


def plugboard_command(workers: int, port: int) -> tuple[str, list[str]]:
    """A name for the set-up and the command serving Plugboard on `port`: `flask serve`
    (one process), or gunicorn with `workers` gevent workers as in the Procfile."""
    if workers:
        return (f"Plugboard (gunicorn, {workers} gevent)",
                [str(Path(PYTHON).parent / "gunicorn"), "-k", "gevent", "-w", str(workers),
                 "--worker-connections", "20000", "-b", f"127.0.0.1:{port}", "wsgi:app"])
    return ("Plugboard (flask serve)",
            [PYTHON, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)])


def run_both(args: argparse.Namespace, load_arguments: list[str]) -> dict[str, dict]:
    logs = Path(tempfile.mkdtemp(prefix="plugboard-bench-"))
    figures = {}
    port = free_port()
    env = plugboard_env(args.database_url)
    name, command = plugboard_command(args.workers, port)
    print(f"{name} on port {port} (log: {logs / 'plugboard.log'})", file=sys.stderr)
    with server(command, port, env, logs / "plugboard.log") as pid:
        figures[name] = load(f"ws://bench.localhost:{port}/ocpp/", pid, load_arguments)
    port = free_port()
    print(f"reference server on port {port}", file=sys.stderr)
    with server([PYTHON, str(BENCH / "reference_server.py"), "--port", str(port)],
                port, dict(os.environ), logs / "reference.log") as pid:
        figures["reference (ocpp + websockets)"] = load(
            f"ws://127.0.0.1:{port}/ocpp/", pid, load_arguments)
    return figures


def print_side_by_side(figures: dict[str, dict]) -> None:
    names = list(figures)
    print(f"{'':<28}" + "".join(f"{name:<32}" for name in names))
    for label, show in ROWS:
        print(f"{label:<28}" + "".join(f"{show(figures[name]):<32}" for name in names))
    for name in names:
        for error, count in figures[name]["errors"].items():
            print(f"{name}: {count} x {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stations", type=int, default=1000)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--rate", type=float, help="messages per second per station [1]")
    mode.add_argument("--interval", type=float, help="seconds between a station's messages")
    mode.add_argument("--saturate", action="store_true")
    mode.add_argument("--storm", action="store_true",
                      help="every station with a key connects at once (200 handshakes in "
                           "flight), boots and starts, sends one message a minute, and all "
                           "stop at once")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--deflate", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database of an earlier run with as many stations "
                             "(a storm then is a fleet reconnecting after a deploy: its "
                             "stations have booted before)")
    parser.add_argument("--workers", type=int, default=0,
                        help="serve Plugboard with gunicorn and this many gevent workers "
                             "instead of flask serve")
    args = parser.parse_args()
    args.database_url = bench_database_url()
    load_arguments = ["--stations", str(args.stations), "--duration", str(args.duration),
                      "--processes", str(args.processes)]
    if args.storm:
        load_arguments += STORM
    elif args.saturate:
        load_arguments.append("--saturate")
    elif args.interval:
        load_arguments += ["--interval", str(args.interval)]
    else:
        load_arguments += ["--rate", str(args.rate or 1)]
    if args.deflate:
        load_arguments.append("--deflate")

    raise_fd_limit()  # the servers inherit it
    if args.reuse:
        migrated(args.database_url)
    else:
        began = time.monotonic()
        provision(args.database_url, args.stations, keys=args.storm)
        print(f"provisioned {args.stations} stations in {time.monotonic() - began:.0f} s",
              file=sys.stderr)
    print_side_by_side(run_both(args, load_arguments))


if __name__ == "__main__":
    main()
