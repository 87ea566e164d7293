"""The OCPP round trip while a company's services are down, against the same load with
the services up, and with none: a slow or dead service must cost the stations nothing.

    DATABASE_URL=postgresql://127.0.0.1/plugboard_bench \\
        .venv/bin/python bench/down_service.py [--stations 200] [--rate 0.5] [--duration 30]

The company `bench` (bench/run.py's provisioning) gets public stations, each outlet with
an id at a map, a map service and a webhook subscribed to every event. Each station
sends BootNotification and StartTransaction, then Heartbeat and StatusNotification
(Charging and SuspendedEV in turn) at `--rate` messages per second, then
StopTransaction: every StatusNotification owes the map and the webhook an event.

Three runs of `flask serve`, the same load each:
1. the services switched off (no event is stored);
2. the services on, answering at once (204), with the clock (`flask jobs run`) delivering;
3. the services on, pointing at a server that accepts connections and never answers, the
   clock delivering: every delivery waits OUTBOX_TIMEOUT.
Runs 2 and 3 store the same events: what differs is only whether the services answer.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402
from bench.ocpp_load import raise_fd_limit  # noqa: E402

SECRET = "bench-secret-0123456789"


def black_hole() -> int:
    """A server that accepts connections and never answers; its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            held.append(listener.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


class _Answering(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def answering() -> int:
    """A service that takes every event at once; its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answering)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def point_services(url: str, service_url: str) -> None:
    """The services' address, and an empty outbox: each run's figures are its own."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE third_party_service SET url = :url"),
                           {"url": service_url})
        connection.execute(text("DELETE FROM outbox_event"))
    engine.dispose()


def connect_services(url: str, service_url: str) -> None:
    """Public stations with an id at the map; a map and a webhook, switched off."""
    from portal import config, create_app
    from portal.extensions import db
    from portal.models import Availability, Outlet, ServiceKind, Station
    from portal.services import third_party
    from tenants import provisioning
    from tenants.scoping import tenant_scope

    app = create_app({"DATABASE_URL": url, "SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": config.engine_options(url)})
    with app.app_context():
        tenant = provisioning.find_by_slug("bench")
        with tenant_scope(tenant):
            services = [third_party.create(tenant, third_party.ServiceValues(
                kind=kind, name=kind.value, url=service_url, secret=SECRET, enabled=False,
                events=tuple(third_party.WEBHOOK_EVENTS)))
                for kind in (ServiceKind.MAP, ServiceKind.WEBHOOK)]
            for station in db.session.query(Station):
                station.availability = Availability.PUBLIC
            for outlet in db.session.query(Outlet):
                outlet.external_ids = {str(services[0].id): f"MAP-{outlet.id}"}
            db.session.commit()
        db.engine.dispose()


def switch_services(url: str, enabled: bool) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE third_party_service SET enabled = :on"),
                           {"on": enabled})
    engine.dispose()


def outbox_figures(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        events = dict(connection.execute(text(
            "SELECT status, count(*) FROM outbox_event GROUP BY status")).all())
        attempts = connection.scalar(text("SELECT count(*) FROM delivery_attempt"))
    engine.dispose()
    return f"outbox: {events or 'empty'}; delivery attempts: {attempts}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--rate", type=float, default=0.5)
    parser.add_argument("--duration", type=float, default=30.0)
    args = parser.parse_args()
    url = run.bench_database_url()
    raise_fd_limit()
    run.provision(url, args.stations)
    up, down = f"http://127.0.0.1:{answering()}/events", f"http://127.0.0.1:{black_hole()}/events"
    connect_services(url, up)
    load_arguments = ["--stations", str(args.stations), "--rate", str(args.rate),
                      "--duration", str(args.duration), "--statuses"]
    logs = Path(tempfile.mkdtemp(prefix="plugboard-bench-"))
    env = run.plugboard_env(url)
    figures = {}
    for label, services_on, service_url in (("no service", False, up),
                                            ("map + webhook up", True, up),
                                            ("map + webhook down", True, down)):
        switch_services(url, services_on)
        point_services(url, service_url)
        port = run.free_port()
        _, command = run.plugboard_command(0, port)
        clock = None
        if services_on:
            clock = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs",
                                      "run"], cwd=ROOT, env=env,
                                     stdout=(logs / f"clock-{len(figures)}.log").open("wb"),
                                     stderr=subprocess.STDOUT)
        try:
            with run.server(command, port, env, logs / f"plugboard-{len(figures)}.log") as pid:
                figures[label] = run.load(f"ws://bench.localhost:{port}/ocpp/", pid,
                                          load_arguments)
        finally:
            if clock is not None:
                clock.terminate()
                clock.wait(timeout=30)
        print(f"{label}: {outbox_figures(url)}")
    run.print_side_by_side(figures)
    print(f"logs: {logs}")


if __name__ == "__main__":
    main()
