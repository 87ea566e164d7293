"""One load-generating process: its share of the stations, each a raw OCPP-J conversation.

No `ocpp` ChargePoint here: frames are formatted by hand and answers only checked for their
type and id, so that the generator spends little CPU per message and the server's cost is
what gets measured.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import random
import resource
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

BOOT = '{"chargePointVendor":"Plugboard","chargePointModel":"LoadGenerator"}'


@dataclass(frozen=True)
class Plan:
    """What each station of a worker does; `period` None means as fast as answers come."""

    url: str  # the stations' chargeBoxIds are appended
    charge_box_ids: list[str]
    period: float | None
    connect_rate: float  # handshakes per second, for this worker
    timeout: float
    deflate: bool
    id_tag: str | None  # None: each station's chargeBoxId
    # StatusNotification (Charging and SuspendedEV in turn) instead of MeterValues: the
    # message that owes maps and webhooks an event.
    statuses: bool = False
    # Security profile 1: each station sends HTTP Basic credentials, its key being this
    # prefix and its chargeBoxId. None: no key.
    key_prefix: str | None = None
    handshakes_at_once: int = 100


@dataclass
class Report:
    connected: int = 0
    held: int = 0
    answered: int = 0
    late: int = 0
    cpu_seconds: float = 0.0
    take_in_seconds: float = 0.0  # from the first handshake to the last station started
    latencies_ms: list[float] = field(default_factory=list)
    stop_latencies_ms: list[float] = field(default_factory=list)  # every StopTransaction at once
    errors: Counter[str] = field(default_factory=Counter)


class CallFailed(Exception):
    pass


def _timestamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Station:
    def __init__(self, charge_box_id: str, index: int) -> None:
        self.charge_box_id = charge_box_id
        self.index = index
        self.connection: ClientConnection | None = None
        self.transaction_id = 0
        self.sent = 0
        self.meter_wh = 1_000_000

    async def connect(self, plan: Plan) -> None:
        url = plan.url.rstrip("/") + "/" + self.charge_box_id
        target = {}
        if (urlsplit(url).hostname or "").endswith("localhost"):
            # Spread over many loopback source addresses: 10,000 connections per run, twice,
            # would otherwise exhaust one address's ephemeral ports (TIME_WAIT).
            target = {"host": "127.0.0.1", "local_addr": (f"127.0.0.{1 + self.index % 250}", 0)}
        headers = {}
        if plan.key_prefix is not None:
            credentials = f"{self.charge_box_id}:{plan.key_prefix}{self.charge_box_id}"
            headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
        self.connection = await connect(
            url, subprotocols=["ocpp1.6"], compression="deflate" if plan.deflate else None,
            ping_interval=None, open_timeout=plan.timeout, proxy=None,
            additional_headers=headers, **target)

    async def call(self, action: str, payload: str, timeout: float) -> dict:
        """Send one CALL and wait for its CALLRESULT; answer any CALL from the server."""
        assert self.connection is not None
        self.sent += 1
        unique_id = str(self.sent)
        async with asyncio.timeout(timeout):
            await self.connection.send(f'[2,"{unique_id}","{action}",{payload}]')
            while True:
                message = json.loads(await self.connection.recv())
                if message[0] == 2:  # the central system asks something: decline politely
                    await self.connection.send(json.dumps(
                        [4, message[1], "NotSupported", "load generator", {}]))
                elif message[1] != unique_id:
                    raise CallFailed("answer with another id")
                elif message[0] == 3:
                    return message[2]
                else:
                    raise CallFailed(f"CALLERROR {message[2]}")

    def next_message(self, statuses: bool = False) -> tuple[str, str]:
        if self.sent % 2:
            return "Heartbeat", "{}"
        if statuses:
            status = "Charging" if self.sent % 4 else "SuspendedEV"
            return "StatusNotification", (
                f'{{"connectorId":1,"errorCode":"NoError","status":"{status}",'
                f'"timestamp":"{_timestamp()}"}}')
        self.meter_wh += 15
        return "MeterValues", (
            f'{{"connectorId":1,"transactionId":{self.transaction_id},"meterValue":[{{'
            f'"timestamp":"{_timestamp()}","sampledValue":['
            f'{{"value":"{self.meter_wh}","measurand":"Energy.Active.Import.Register",'
            f'"unit":"Wh"}},'
            f'{{"value":"11040","measurand":"Power.Active.Import","unit":"W"}},'
            f'{{"value":"16.0","measurand":"Current.Import","unit":"A","phase":"L1"}},'
            f'{{"value":"230.0","measurand":"Voltage","unit":"V","phase":"L1-N"}}]}}]}}')


async def open_station(station: Station, plan: Plan, report: Report) -> bool:
    """Connect, BootNotification, StartTransaction; count what went wrong."""
    try:
        await station.connect(plan)
        boot = await station.call("BootNotification", BOOT, plan.timeout)
        if boot.get("status") != "Accepted":
            report.errors[f"BootNotification {boot.get('status')}"] += 1
        start = await station.call("StartTransaction", json.dumps({
            "connectorId": 1, "idTag": plan.id_tag or station.charge_box_id,
            "meterStart": station.meter_wh, "timestamp": _timestamp()}), plan.timeout)
        station.transaction_id = start["transactionId"]
    except InvalidStatus as refused:
        report.errors[f"handshake refused: HTTP {refused.response.status_code}"] += 1
    except (OSError, TimeoutError, WebSocketException, CallFailed) as error:
        report.errors[f"opening: {type(error).__name__} {error}"[:120]] += 1
    else:
        report.connected += 1
        return True
    await close(station)
    return False


async def drive(station: Station, plan: Plan, start: float, end: float, report: Report) -> None:
    """Send messages from `start` to `end`, timing the answers."""
    loop = asyncio.get_running_loop()
    period = plan.period
    due = start + (random.random() * period if period else 0)
    while True:
        if period and (wait := due - loop.time()) > 0:
            await asyncio.sleep(wait)
        sent = loop.time()
        if sent >= end:
            return
        try:
            await station.call(*station.next_message(plan.statuses), plan.timeout)
        except (TimeoutError, ConnectionClosed, CallFailed) as error:
            report.errors[f"{type(error).__name__} {error}"[:120]] += 1
            await close(station)
            return
        answered = loop.time()
        if answered < end:
            report.answered += 1
            report.latencies_ms.append((answered - sent) * 1000)
        if period:
            due += period
            if due < answered:  # behind: skip the ticks missed rather than burst, keeping
                report.late += 1  # the station's phase (re-phasing to the answer would
                due += math.ceil((answered - due) / period) * period  # align stations)


async def close(station: Station) -> None:
    if station.connection is not None:
        await station.connection.close()
        station.connection = None


async def finish(station: Station, plan: Plan, report: Report) -> None:
    """Stop the transaction (every station at once), so the database is left as a real
    fleet would leave it; time the answer."""
    if station.connection is None:
        return
    loop = asyncio.get_running_loop()
    sent = loop.time()
    try:
        await station.call("StopTransaction", json.dumps({
            "transactionId": station.transaction_id, "meterStop": station.meter_wh,
            "timestamp": _timestamp(), "reason": "Local"}), plan.timeout)
        report.stop_latencies_ms.append((loop.time() - sent) * 1000)
    except (TimeoutError, WebSocketException, CallFailed) as error:
        report.errors[f"StopTransaction: {type(error).__name__} {error}"[:120]] += 1
    await close(station)


async def work(plan: Plan, offset: int, pipe: Connection) -> None:
    """The worker's whole run, driven by the parent through `pipe`."""
    loop = asyncio.get_running_loop()
    report = Report()
    stations = [Station(charge_box_id, offset + number)
                for number, charge_box_id in enumerate(plan.charge_box_ids)]
    gate = asyncio.Semaphore(plan.handshakes_at_once)

    async def open_paced(station: Station, at: float) -> bool:
        await asyncio.sleep(max(0.0, at - loop.time()))
        async with gate:
            return await open_station(station, plan, report)

    began = loop.time()
    opened = await asyncio.gather(*(open_paced(station, began + n / plan.connect_rate)
                                    for n, station in enumerate(stations)))
    report.take_in_seconds = loop.time() - began
    live = [station for station, ok in zip(stations, opened, strict=True) if ok]
    pipe.send(("ready", report.connected, dict(report.errors)))
    start, end = await loop.run_in_executor(None, pipe.recv)
    cpu_before = _cpu_seconds()
    await asyncio.gather(*(drive(station, plan, start, end, report) for station in live))
    report.cpu_seconds = _cpu_seconds() - cpu_before
    report.held = sum(station.connection is not None for station in live)
    await asyncio.gather(*(finish(station, plan, report) for station in live))
    pipe.send(("done", report))


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
