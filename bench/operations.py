"""One remote operation on many online stations, sent through the operations page: how long
until the page answers and until every station's answer is stored.

    DATABASE_URL=postgresql://127.0.0.1/plugboard_bench \\
        .venv/bin/python bench/operations.py --stations 200 [--delay 1] [--repeat 3]
    REDIS_URL=redis://127.0.0.1:6379/12 ... bench/operations.py --stations 1000 --workers 2

Provisions the bench company as bench/run.py does (the database is emptied), serves
Plugboard (`flask serve`, or gunicorn with --workers), connects N simulated stations that
boot and then answer every call of the central system with `{"status": "Accepted"}` after
--delay seconds, logs in as the company's administrator and, for ClearCache and Reset
(Soft): sends the operation to one station --single times (the single round trip), then
to all N stations --repeat times. Per run it prints the time from the POST to its redirect
(the page answers once every command is stored), until the last answer is stored, the
per-command time from issued_at to answered_at, and the outcomes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_worker import BOOT, HANDSHAKES_AT_ONCE, CallFailed, Plan, Station
from bench.ocpp_load import raise_fd_limit
from bench.proc_stats import cpu_seconds, machine_busy_seconds
from bench.run import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    bench_database_url,
    charge_box_ids,
    free_port,
    plugboard_command,
    plugboard_env,
    provision,
    server,
)

# The operations timed, with their form fields (the form's prefix is added).
OPERATIONS = (("ClearCache", {}), ("Reset", {"type": "Soft"}))
COMMAND_TIMEOUT = 30  # OCPP_COMMAND_TIMEOUT's default: a command ends by then


# --- The stations (a process of their own) ------------------------------------------------

async def _answer_calls(station: Station, delay: float, received: Counter[str]) -> None:
    """Answer every CALL of the central system with Accepted, `delay` seconds later."""
    assert station.connection is not None
    try:
        while True:
            message = json.loads(await station.connection.recv())
            if message[0] == 2:
                received[message[2]] += 1
                await asyncio.sleep(delay)
                await station.connection.send(json.dumps([3, message[1], {"status": "Accepted"}]))
    except ConnectionClosed:
        return


async def _boot(station: Station, plan: Plan, gate: asyncio.Semaphore,
                errors: Counter[str]) -> bool:
    async with gate:
        try:
            await station.connect(plan)
            answer = await station.call("BootNotification", BOOT, plan.timeout)
        except InvalidStatus as refused:
            errors[f"handshake refused: HTTP {refused.response.status_code}"] += 1
        except (OSError, TimeoutError, WebSocketException, CallFailed) as error:
            errors[f"{type(error).__name__} {error}"[:120]] += 1
        else:
            if answer.get("status") == "Accepted":
                return True
            errors[f"BootNotification {answer.get('status')}"] += 1
    return False


async def _stations(url: str, ids: list[str], delay: float, pipe: Connection) -> None:
    """Connect and boot the stations, answer calls until the parent says stop."""
    plan = Plan(url, ids, None, 0.0, 30.0, False, None)
    stations = [Station(charge_box_id, number) for number, charge_box_id in enumerate(ids)]
    gate, errors, received = asyncio.Semaphore(HANDSHAKES_AT_ONCE), Counter(), Counter()
    booted = await asyncio.gather(*(_boot(station, plan, gate, errors) for station in stations))
    live = [station for station, ok in zip(stations, booted, strict=True) if ok]
    answering = [asyncio.create_task(_answer_calls(station, delay, received))
                 for station in live]
    pipe.send((len(live), dict(errors)))
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
    for task in answering:
        task.cancel()
    await asyncio.gather(*(station.connection.close() for station in live
                           if station.connection is not None))
    pipe.send(dict(received))


def _run_stations(url: str, ids: list[str], delay: float, pipe: Connection) -> None:
    raise_fd_limit()
    asyncio.run(_stations(url, ids, delay, pipe))


# --- The portal, as a browser uses it ------------------------------------------------------

def _hidden(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    value = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
    if value is None:
        sys.exit(f"no field {name} in the page")
    return value.group(1)


class Portal:
    def __init__(self, port: int, pid: int) -> None:
        self.pid = pid  # the server's, for its CPU
        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy for loopback
        self.http.headers["Host"] = f"bench.localhost:{port}"

    def login(self) -> None:
        token = _hidden(self.http.get(f"{self.base}/login").text, "csrf_token")
        answer = self.http.post(f"{self.base}/login", allow_redirects=False, data={
            "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": token})
        if answer.status_code != 302:
            sys.exit(f"login failed: HTTP {answer.status_code}")

    def form(self, action: str, fields: dict[str, str]) -> dict[str, str]:
        """The operation's form fields, with the CSRF token of its page."""
        page = self.http.get(f"{self.base}/operations/send/{action}").text
        return {f"{action}-csrf_token": _hidden(page, f"{action}-csrf_token"),
                **{f"{action}-{name}": value for name, value in fields.items()}}

    def send(self, action: str, form: dict[str, str], station_ids: list[int]) -> str:
        """POST the operation; return its id (from the redirect)."""
        answer = self.http.post(f"{self.base}/operations/send/{action}", allow_redirects=False,
                                data=[*form.items(), *(("station", str(i)) for i in station_ids)])
        if answer.status_code != 302:
            sys.exit(f"{action}: HTTP {answer.status_code}\n{answer.text[-2000:]}")
        return answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]

    def waiting(self, operation_id: str) -> int:
        """What the result page shows as not yet answered."""
        rows = self.http.get(f"{self.base}/operations/{operation_id}/rows").text
        return int(re.search(r'data-waiting="(\d+)"', rows).group(1))


# --- One run -----------------------------------------------------------------------------

@dataclass
class Run:
    stations: int
    redirect_s: float  # POST sent -> redirect received
    stored_s: float  # POST sent -> every command seen answered in the database
    per_command_s: list[float]  # answered_at - issued_at, sorted
    outcomes: Counter[str]
    rows_waiting: int  # data-waiting of the result rows afterwards
    server_cpu_s: float  # the server's processes, POST sent -> every answer stored
    machine_cpu_s: float  # every process on the machine, same span


def _wait_stored(engine: Engine, operation_id: str) -> float:
    deadline = time.time() + COMMAND_TIMEOUT + 60
    with engine.connect() as connection:
        while time.time() < deadline:
            pending = connection.scalar(text(
                "SELECT count(*) FROM command WHERE operation_id = :id AND outcome = 'pending'"),
                {"id": operation_id})
            connection.commit()
            if not pending:
                return time.time()
            time.sleep(0.02)
    sys.exit(f"operation {operation_id} still pending after {COMMAND_TIMEOUT + 60} s")


def perform(portal: Portal, engine: Engine, action: str, form: dict[str, str],
            station_ids: list[int]) -> Run:
    server_cpu, machine_cpu = cpu_seconds(portal.pid), machine_busy_seconds()
    began = time.time()
    operation_id = portal.send(action, form, station_ids)
    redirected = time.time()
    stored = _wait_stored(engine, operation_id)
    server_cpu, machine_cpu = (cpu_seconds(portal.pid) - server_cpu,
                               machine_busy_seconds() - machine_cpu)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT outcome, EXTRACT(EPOCH FROM answered_at - issued_at) FROM command "
            "WHERE operation_id = :id"), {"id": operation_id}).all()
    return Run(len(station_ids), redirected - began, stored - began,
               sorted(float(seconds) for _, seconds in rows), Counter(o for o, _ in rows),
               portal.waiting(operation_id), server_cpu, machine_cpu)


def _percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(len(values) * share))]


def show(action: str, run: Run) -> None:
    per = run.per_command_s
    print(f"{action:<11}{run.stations:>6}{run.redirect_s:>10.2f}{run.stored_s:>10.2f}"
          f"{statistics.median(per):>9.2f}{_percentile(per, 0.95):>9.2f}{per[-1]:>9.2f}"
          f"{100 * run.server_cpu_s / run.stored_s:>8.0f}%"
          f"{100 * run.machine_cpu_s / run.stored_s:>8.0f}%"
          f"{run.rows_waiting:>9}   {dict(run.outcomes)}")


def measure(portal: Portal, engine: Engine, ids: list[int], args: argparse.Namespace) -> None:
    print(f"{'operation':<11}{'on':>6}{'redirect':>10}{'stored':>10}{'cmd p50':>9}"
          f"{'cmd p95':>9}{'cmd max':>9}{'server':>9}{'machine':>9}{'waiting':>9}   outcomes"
          "   (seconds; CPU as % of a core)")
    for action, fields in OPERATIONS:
        form = portal.form(action, fields)
        singles = [perform(portal, engine, action, form, [ids[n % len(ids)]])
                   for n in range(args.single)]
        for run in singles:
            show(action, run)
        one = statistics.median(run.stored_s for run in singles)
        for _ in range(args.repeat):
            show(action, perform(portal, engine, action, form, ids))
        print(f"{action}: one station's round trip (median of {args.single}) {one:.3f} s; "
              f"x {len(ids)} stations = {one * len(ids):.1f} s one after the other")


# --- The whole --------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.0,
                        help="seconds each station takes to answer a call")
    parser.add_argument("--workers", type=int, default=0,
                        help="serve with gunicorn and this many gevent workers (needs REDIS_URL"
                             " beyond one)")
    parser.add_argument("--repeat", type=int, default=3, help="runs on all the stations")
    parser.add_argument("--single", type=int, default=5, help="runs on one station")
    args = parser.parse_args()
    database_url = bench_database_url()
    env = plugboard_env(database_url, OCPP_GET_CONFIGURATION_AT_FIRST_BOOT="false")
    if args.workers > 1 and not env.get("REDIS_URL"):
        sys.exit("--workers beyond 1 needs REDIS_URL (cross-worker routing); flush it first")

    raise_fd_limit()
    began = time.monotonic()
    provision(database_url, args.stations)
    engine = create_engine(database_url)
    with engine.connect() as connection:
        ids = list(connection.scalars(text("SELECT id FROM station ORDER BY charge_box_id")))
    print(f"provisioned {args.stations} stations in {time.monotonic() - began:.0f} s",
          file=sys.stderr)
    port = free_port()
    name, command = plugboard_command(args.workers, port)
    log = Path(tempfile.mkdtemp(prefix="plugboard-bench-")) / "plugboard.log"
    print(f"{name} on port {port} (log: {log})", file=sys.stderr)
    with server(command, port, env, log) as pid:
        ours, theirs = multiprocessing.get_context("fork").Pipe()
        stations = multiprocessing.get_context("fork").Process(
            target=_run_stations, daemon=True,
            args=(f"ws://bench.localhost:{port}/ocpp/", charge_box_ids(args.stations),
                  args.delay, theirs))
        began = time.monotonic()
        stations.start()
        booted, errors = ours.recv()
        print(f"{booted} of {args.stations} stations booted in {time.monotonic() - began:.0f} s"
              f"{f'; errors: {errors}' if errors else ''}", file=sys.stderr)
        portal = Portal(port, pid)
        portal.login()
        print(f"{name}, {booted} stations answering after {args.delay:g} s")
        measure(portal, engine, ids, args)
        ours.send("stop")
        print(f"calls the stations received: {ours.recv()}")
        stations.join(timeout=30)
    engine.dispose()


if __name__ == "__main__":
    main()
