"""OCPP load generator: N simulated stations against a central system, figures at the end.

    .venv/bin/python bench/ocpp_load.py URL --stations 1000 --rate 1 [--server-pid PID]
    .venv/bin/python bench/ocpp_load.py URL --stations 10000 --interval 20
    .venv/bin/python bench/ocpp_load.py URL --stations 200 --saturate

URL is the endpoint without the chargeBoxId, e.g. ws://bench.localhost:8000/ocpp/ (each
station appends its own, BENCH-00001, BENCH-00002, ...). Each station connects, sends
BootNotification and StartTransaction, then Heartbeat and a 4-value MeterValues in turn
at the given rate (--saturate: the next as soon as the answer is in) for --duration
seconds, and finally StopTransaction. Loopback only. Prints the connections held,
messages answered per second, answer latency, errors, and, given the server's PID, its
CPU and memory (children included) and memory per connection. On a 2-core machine the
generator and the server compete for the CPU: read "generator CPU" next to the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import multiprocessing
import os
import resource
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_worker import Plan, Report, work
from proc_stats import Watch


@dataclass
class Figures:
    stations: int
    connected: int
    held: int
    seconds: float
    messages_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    late: int
    errors: dict[str, int]
    generator_cpu_percent: float
    machine_cpu_percent: float  # every process, all cores: 200 is a busy 2-core machine
    server_cpu_percent: float | None = None
    server_rss_idle_mb: float | None = None  # before the first connection
    server_rss_loaded_mb: float | None = None  # all stations connected, before measuring
    server_rss_mb: float | None = None  # the peak while measuring
    server_kb_per_connection: float | None = None  # (loaded - idle) / connected
    take_in_s: float = 0.0  # the first handshake to the last station started (slowest worker)
    stop_p50_ms: float = 0.0  # every station's StopTransaction, sent at once
    stop_p99_ms: float = 0.0
    stop_max_ms: float = 0.0


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def raise_fd_limit() -> None:
    """One descriptor per station: allow as many as this user may have."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    hard = 1 << 20 if hard == resource.RLIM_INFINITY else hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _worker(plan: Plan, offset: int, pipe: multiprocessing.connection.Connection) -> None:
    raise_fd_limit()
    asyncio.run(work(plan, offset, pipe))


def run(args: argparse.Namespace) -> Figures:
    ids = [f"{args.prefix}{number:05}" for number in range(1, args.stations + 1)]
    period = None if args.saturate else (args.interval or 1 / args.rate)
    context = multiprocessing.get_context("fork")
    workers = []
    for index in range(args.processes):
        share = ids[index::args.processes]
        plan = Plan(args.url, share, period, args.connect_rate / args.processes, args.timeout,
                    args.deflate, args.id_tag, args.statuses, args.key_prefix,
                    max(1, args.handshakes // args.processes))
        ours, theirs = context.Pipe()
        process = context.Process(target=_worker, args=(plan, index, theirs), daemon=True)
        process.start()
        workers.append((process, ours))
    watch = Watch(args.server_pid)
    began = time.monotonic()
    readies = [pipe.recv() for _, pipe in workers]
    connected = sum(ready[1] for ready in readies)
    print(f"connected {connected} of {args.stations} stations in "
          f"{time.monotonic() - began:.1f} s; measuring for {args.duration:g} s",
          file=sys.stderr, flush=True)
    start = time.monotonic() + 0.5
    end = start + args.duration
    for _, pipe in workers:
        pipe.send((start, end))
    time.sleep(max(0.0, start - time.monotonic()))
    watch.start()
    while time.monotonic() < end:  # memory while every station is connected and busy
        watch.sample()
        time.sleep(min(1.0, max(0.0, end - time.monotonic())))
    watch.stop()
    reports: list[Report] = [pipe.recv()[1] for _, pipe in workers]
    for process, _ in workers:
        process.join(timeout=args.timeout + 30)
    errors: Counter[str] = Counter()
    for ready in readies:
        errors.update(ready[2])
    return summarize(args, reports, errors, connected, watch)


def summarize(args: argparse.Namespace, reports: list[Report], errors: Counter[str],
              connected: int, watch: Watch) -> Figures:
    latencies = sorted(value for report in reports for value in report.latencies_ms) or [0.0]
    stops = sorted(value for report in reports for value in report.stop_latencies_ms) or [0.0]
    for report in reports:
        errors.update(report.errors)

    def percentile(share: float, values: list[float] = latencies) -> float:
        return values[min(len(values) - 1, int(len(values) * share))]

    def percent(cpu_seconds: float) -> float:
        return 100 * cpu_seconds / args.duration

    held = sum(report.held for report in reports)
    figures = Figures(
        stations=args.stations, connected=connected, held=held, seconds=args.duration,
        messages_per_second=sum(report.answered for report in reports) / args.duration,
        p50_ms=statistics.median(latencies), p95_ms=percentile(0.95),
        p99_ms=percentile(0.99), max_ms=latencies[-1],
        late=sum(report.late for report in reports), errors=dict(errors),
        generator_cpu_percent=percent(sum(report.cpu_seconds for report in reports)),
        machine_cpu_percent=percent(watch.machine_cpu_seconds),
        take_in_s=max(report.take_in_seconds for report in reports),
        stop_p50_ms=statistics.median(stops), stop_p99_ms=percentile(0.99, stops),
        stop_max_ms=stops[-1],
    )
    if args.server_pid:
        figures.server_cpu_percent = percent(watch.server_cpu_seconds)
        figures.server_rss_idle_mb = watch.idle_rss_mb
        figures.server_rss_loaded_mb = watch.loaded_rss_mb
        figures.server_rss_mb = watch.peak_rss_mb
        if connected:
            figures.server_kb_per_connection = (
                (watch.loaded_rss_mb - watch.idle_rss_mb) * 1024 / connected)
    return figures


def print_figures(figures: Figures) -> None:
    latency = (f"p50 {figures.p50_ms:.1f}  p95 {figures.p95_ms:.1f}  "
               f"p99 {figures.p99_ms:.1f}  max {figures.max_ms:.1f}")
    print(f"  connections held     {figures.held} of {figures.stations}")
    print(f"  answered             {figures.messages_per_second:,.0f} msg/s")
    print(f"  answer latency ms    {latency}")
    print(f"  behind schedule      {figures.late} times")
    print(f"  taken in             {figures.connected} in {figures.take_in_s:.1f} s")
    print(f"  StopTransaction ms   p50 {figures.stop_p50_ms:.1f}  p99 {figures.stop_p99_ms:.1f}"
          f"  max {figures.stop_max_ms:.1f} (all at once)")
    print(f"  errors               {figures.errors or 'none'}")
    print(f"  generator CPU        {figures.generator_cpu_percent:.0f}% of a core")
    print(f"  machine CPU          {figures.machine_cpu_percent:.0f}% of a core "
          f"(all processes, {os.cpu_count()} cores)")
    if figures.server_cpu_percent is not None:
        per_connection = figures.server_kb_per_connection
        print(f"  server CPU           {figures.server_cpu_percent:.0f}% of a core")
        print(f"  server memory        idle {figures.server_rss_idle_mb:.0f} MB, connected "
              f"{figures.server_rss_loaded_mb:.0f} MB, peak {figures.server_rss_mb:.0f} MB; "
              f"{f'{per_connection:.0f} KB' if per_connection else '?'} per connection")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="ws://HOST:PORT/ocpp/ (or .../ocpp/SLUG/), loopback only")
    parser.add_argument("--stations", type=int, default=1000)
    load = parser.add_mutually_exclusive_group()
    load.add_argument("--rate", type=float, default=1.0, help="messages per second per station")
    load.add_argument("--interval", type=float, help="seconds between a station's messages")
    load.add_argument("--saturate", action="store_true",
                      help="each station sends its next message as soon as it has the answer")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured")
    parser.add_argument("--processes", type=int, default=1, help="load-generating processes")
    parser.add_argument("--connect-rate", type=float, default=500.0,
                        help="new connections per second while ramping up")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait per answer")
    parser.add_argument("--prefix", default="BENCH-", help="chargeBoxId prefix")
    parser.add_argument("--id-tag", help="the idTag of every station [its own chargeBoxId]")
    parser.add_argument("--deflate", action="store_true", help="offer permessage-deflate")
    parser.add_argument("--key-prefix",
                        help="send HTTP Basic credentials, each station's key being this "
                             "prefix and its chargeBoxId (security profile 1)")
    parser.add_argument("--handshakes", type=int, default=100,
                        help="handshakes in flight at most, all processes together")
    parser.add_argument("--statuses", action="store_true",
                        help="StatusNotification instead of MeterValues, every other message")
    parser.add_argument("--server-pid", type=int, help="measure this process and its children")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not is_loopback(urlsplit(args.url).hostname or ""):
        parser.error("the load generator only runs against this machine (loopback)")
    return args


if __name__ == "__main__":
    arguments = parse()
    raise_fd_limit()
    result = run(arguments)
    if arguments.json:
        print(json.dumps(asdict(result)))
    else:
        print_figures(result)
