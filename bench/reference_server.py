"""A bare OCPP 1.6J central system: the `ocpp` package's asyncio server on `websockets`.

    .venv/bin/python bench/reference_server.py [--port 9000]

What a developer would otherwise start from (the `ocpp` README's example, answering the
CP -> CS core messages): no database, no authentication, nothing stored. It is the
baseline the benchmark compares Plugboard's endpoint with, and the server the simulator's
tests run against. The chargeBoxId is the last segment of the URL path.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import resource
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

HEARTBEAT_INTERVAL = 300
ACCEPTED = {"status": AuthorizationStatus.accepted}
_transaction_ids = itertools.count(1)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ReferenceChargePoint(ChargePoint):
    @on(Action.boot_notification)
    def on_boot_notification(self, **_: Any) -> call_result.BootNotification:
        return call_result.BootNotification(current_time=_now(), interval=HEARTBEAT_INTERVAL,
                                            status=RegistrationStatus.accepted)

    @on(Action.heartbeat)
    def on_heartbeat(self) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=_now())

    @on(Action.status_notification)
    def on_status_notification(self, **_: Any) -> call_result.StatusNotification:
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, id_tag: str) -> call_result.Authorize:
        return call_result.Authorize(id_tag_info=ACCEPTED)

    @on(Action.start_transaction)
    def on_start_transaction(self, **_: Any) -> call_result.StartTransaction:
        return call_result.StartTransaction(transaction_id=next(_transaction_ids),
                                            id_tag_info=ACCEPTED)

    @on(Action.stop_transaction)
    def on_stop_transaction(self, **_: Any) -> call_result.StopTransaction:
        return call_result.StopTransaction()

    @on(Action.meter_values)
    def on_meter_values(self, **_: Any) -> call_result.MeterValues:
        return call_result.MeterValues()


async def on_connect(connection: ServerConnection,
                     charge_point_class: type[ChargePoint] = ReferenceChargePoint) -> None:
    charge_box_id = connection.request.path.rstrip("/").rsplit("/", 1)[-1]
    with suppress(ConnectionClosed):  # the station went away: nothing to clean up
        await charge_point_class(charge_box_id, connection).start()


def start(host: str, port: int,
          charge_point_class: type[ChargePoint] = ReferenceChargePoint) -> Any:
    """The server, to use as `async with start(...) as server:`."""
    return serve(lambda connection: on_connect(connection, charge_point_class), host, port,
                 subprotocols=["ocpp1.6"], backlog=4096)


def raise_fd_limit() -> None:
    """One descriptor per station: allow as many as this user may have."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    hard = 1 << 20 if hard == resource.RLIM_INFINITY else hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def main(host: str, port: int) -> None:
    server: Server
    async with start(host, port) as server:
        bound = server.sockets[0].getsockname()
        print(f"reference central system on ws://{bound[0]}:{bound[1]}/ocpp/<chargeBoxId>"
              f" (pid {os.getpid()})", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    raise_fd_limit()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(args.host, args.port))
