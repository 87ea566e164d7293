"""The simulated station on one connection: the messages it sends (CP -> CS).

What it answers to the central system (CS -> CP) is mixed in from `simulator.handlers`
and `simulator.management`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime
from typing import Any

from ocpp.exceptions import OCPPError
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.datatypes import MeterValue, SampledValue
from ocpp.v16.enums import (
    ChargePointErrorCode,
    ChargePointStatus,
    ConfigurationKey,
    Location,
    Measurand,
    ReadingContext,
    Reason,
    UnitOfMeasure,
)
from websockets.exceptions import ConnectionClosed

from simulator.connection import LoggedConnection, describe
from simulator.errors import CallFailed
from simulator.handlers import CoreHandlers
from simulator.management import ManagementHandlers
from simulator.options import Options
from simulator.station import (
    FIRMWARE,
    MODEL,
    VENDOR,
    Connector,
    Station,
    Transaction,
    ocpp_time,
    utc_now,
)

log = logging.getLogger("simulator")


class SimulatedChargePoint(CoreHandlers, ManagementHandlers, ChargePoint):
    def __init__(self, station: Station, connection: LoggedConnection, options: Options,
                 *, rebootable: bool = False) -> None:
        super().__init__(station.charge_box_id, connection,
                         response_timeout=options.response_timeout)
        self.station = station
        self.options = options
        self.connection = connection
        # Only the live scenario reconnects, so only it can act on a Reset.
        self.rebootable = rebootable
        # Cleared while a BootNotification's answer is awaited and taken in (`booting`).
        self._serving_calls = asyncio.Event()
        self._serving_calls.set()
        self.rebooting = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._follow_ups: list[Callable[[], Coroutine[Any, Any, None]]] = []

    async def send(self, payload: Any) -> Any:
        """Send a CALL and return the typed answer; raise CallFailed for anything else."""
        action = type(payload).__name__
        try:
            return await self.call(payload, suppress=False)
        except OCPPError as error:
            raise CallFailed(f"{action} failed: {error.code} {error.description}") from None
        except TimeoutError:
            raise CallFailed(f"{action}: no answer within {self._response_timeout:g} s") from None

    def after_answer(self, follow_up: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Queue work for after the answer to the CALL being handled (see handlers.py)."""
        self._follow_ups.append(follow_up)

    def run_follow_ups(self) -> None:
        follow_ups, self._follow_ups = self._follow_ups, []
        for follow_up in follow_ups:
            self.spawn(follow_up())

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run work a CS -> CP call asked for after its answer has gone out."""
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: %s", self.id, task.exception())

    async def close(self) -> None:
        for task in self._tasks - {asyncio.current_task()}:
            task.cancel()
        await self.connection.connection.close()

    async def stop_transactions_on_exit(self) -> None:
        """Best effort when stopped mid-session (Ctrl-C, SIGTERM, --duration): close them."""
        if not self.station.charging():
            return
        receiver = asyncio.ensure_future(self.start())  # the scenario's receive loop has ended
        try:
            async with asyncio.timeout(2):
                for connector in self.station.charging():
                    await self.stop_transaction(connector, Reason.local)
        except (TimeoutError, CallFailed, ConnectionClosed) as error:
            log.warning("%s: could not stop the transaction before exiting: %s", self.id,
                        describe(error))
        finally:
            receiver.cancel()
            await asyncio.gather(receiver, return_exceptions=True)

    async def reboot(self, reason: Reason) -> None:
        """Stop the transactions, then drop the connection; the live scenario reconnects."""
        for connector in self.station.charging():
            connector.request_stop(reason)
        for _ in range(100):  # the sessions send their StopTransaction
            if not self.station.charging():
                break
            await asyncio.sleep(0.1)
        log.info("%s: rebooting (%s)", self.id, reason)
        self.rebooting = True
        await self.close()

    async def route_message(self, raw_msg: str) -> None:
        # A real station takes in its BootNotification's answer (the heartbeat interval)
        # before it serves the central system's next CALL; the CALLRESULT itself passes.
        if raw_msg.lstrip("[ \t\r\n").startswith("2"):
            await self._serving_calls.wait()
        await super().route_message(raw_msg)

    @contextlib.asynccontextmanager
    async def booting(self) -> AsyncIterator[None]:
        """Hold the central system's CALLs until the block has taken in the boot's answer."""
        self._serving_calls.clear()
        try:
            yield
        finally:
            self._serving_calls.set()

    async def boot(self) -> call_result.BootNotification:
        return await self.send(call.BootNotification(
            charge_point_vendor=VENDOR, charge_point_model=MODEL, firmware_version=FIRMWARE,
        ))

    async def heartbeat(self) -> None:
        await self.send(call.Heartbeat())

    async def set_status(self, connector_id: int, status: ChargePointStatus | None = None) -> None:
        """Change a connector's status (connector 0: the whole station) and report it."""
        connector = self.station.connector(connector_id)
        if connector is not None and status is not None:
            connector.status = status
        if status is None:
            status = connector.status if connector else ChargePointStatus.available
        await self.send(call.StatusNotification(
            connector_id=connector_id, error_code=ChargePointErrorCode.no_error, status=status,
            timestamp=ocpp_time(utc_now()),
        ))

    async def authorize(self, id_tag: str) -> str:
        answer = await self.send(call.Authorize(id_tag=id_tag))
        return answer.id_tag_info["status"]

    async def start_transaction(self, connector: Connector, id_tag: str,
                                at: datetime | None = None) -> str:
        """Start a transaction on the connector; return the idTag status the CS answered."""
        at = at or utc_now()
        meter_start = int(connector.meter_wh)
        answer = await self.send(call.StartTransaction(
            connector_id=connector.connector_id, id_tag=id_tag, meter_start=meter_start,
            timestamp=ocpp_time(at), reservation_id=connector.reservation_id,
        ))
        connector.reservation_id = None
        connector.transaction = Transaction(answer.transaction_id, id_tag, meter_start, at)
        connector.stop_requested.clear()
        return answer.id_tag_info["status"]

    async def meter_values(self, connector: Connector, at: datetime | None = None) -> None:
        transaction = connector.transaction
        await self.send(call.MeterValues(
            connector_id=connector.connector_id,
            transaction_id=transaction.transaction_id if transaction else None,
            meter_value=[_sample(at or utc_now(), connector.meter_wh, connector.power_w)],
        ))

    async def stop_transaction(self, connector: Connector, reason: Reason,
                               at: datetime | None = None) -> None:
        transaction = connector.transaction
        if transaction is None:
            return
        at = at or utc_now()
        meter_stop = int(connector.meter_wh)
        await self.send(call.StopTransaction(
            transaction_id=transaction.transaction_id, meter_stop=meter_stop,
            timestamp=ocpp_time(at), id_tag=transaction.id_tag, reason=reason,
            transaction_data=[
                _sample(transaction.started_at, transaction.meter_start, None,
                        ReadingContext.transaction_begin),
                _sample(at, meter_stop, None, ReadingContext.transaction_end),
            ],
        ))
        connector.transaction = None
        connector.power_w = 0.0

    def heartbeat_interval(self) -> float:
        return self.station.configuration.number(ConfigurationKey.heartbeat_interval)

    def meter_interval(self) -> float:
        return self.station.configuration.number(ConfigurationKey.meter_value_sample_interval)


def _sample(at: datetime, energy_wh: float, power_w: float | None,
            context: ReadingContext = ReadingContext.sample_periodic) -> MeterValue:
    values = [SampledValue(value=str(int(energy_wh)), context=context,
                           measurand=Measurand.energy_active_import_register,
                           location=Location.outlet, unit=UnitOfMeasure.wh)]
    if power_w is not None:
        values.append(SampledValue(value=f"{power_w:.0f}", context=context,
                                   measurand=Measurand.power_active_import,
                                   location=Location.outlet, unit=UnitOfMeasure.w))
    return MeterValue(timestamp=ocpp_time(at), sampled_value=values)
