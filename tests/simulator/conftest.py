"""A central system to simulate against: the bench's reference server, in a thread, recording.

It records every frame per station and can play a script of CS -> CP calls once a station
has booted, so tests can assert the exact conversation over a real loopback socket.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from ocpp.routing import after
from ocpp.v16 import ChargePoint
from ocpp.v16.enums import Action

from bench.reference_server import ReferenceChargePoint, start
from simulator.options import Options
from simulator.runner import run

Script = Callable[[ChargePoint], Awaitable[None]]


@dataclass
class Frame:
    charge_box_id: str
    sent_by_station: bool
    message: list[Any]


@dataclass
class CentralSystem:
    port: int = 0
    frames: list[Frame] = field(default_factory=list)
    # Played once after the station's next BootNotification.
    scripts: dict[str, Script] = field(default_factory=dict)

    def url(self, charge_box_id: str) -> str:
        return f"ws://demo.localhost:{self.port}/ocpp/{charge_box_id}"

    def calls(self, charge_box_id: str) -> list[tuple[str, dict]]:
        """(action, payload) of each CALL the station sent, in order."""
        return [(frame.message[2], frame.message[3]) for frame in self.frames
                if frame.charge_box_id == charge_box_id and frame.sent_by_station
                and frame.message[0] == 2]

    def actions(self, charge_box_id: str) -> list[str]:
        return [action for action, _ in self.calls(charge_box_id)]

    def answer_to(self, charge_box_id: str, action: str) -> dict:
        """The central system's answer to the station's last CALL of this action."""
        ids = [frame.message[1] for frame in self.frames
               if frame.charge_box_id == charge_box_id and frame.sent_by_station
               and frame.message[0] == 2 and frame.message[2] == action]
        return next(frame.message[2] for frame in self.frames
                    if not frame.sent_by_station and frame.message[:2] == [3, ids[-1]])

    async def wait_for(self, charge_box_id: str, action: str, timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while action not in self.actions(charge_box_id):
            assert time.monotonic() < deadline, f"no {action} from {charge_box_id}"
            await asyncio.sleep(0.02)

    def simulate(self, charge_box_id: str, **options: Any) -> None:
        """Run the simulator in this process against this central system.

        In a thread, on an event loop of its own: the browser tests' Playwright leaves
        an event loop marked running in the main thread.
        """
        settings = Options(url=self.url(charge_box_id), charge_box_id=charge_box_id, **options)
        with ThreadPoolExecutor(1) as pool:
            pool.submit(lambda: asyncio.run(run(settings))).result(timeout=30)


class _RecordingConnection:
    def __init__(self, connection: Any, charge_box_id: str, system: CentralSystem) -> None:
        self.connection, self._id, self._system = connection, charge_box_id, system

    async def recv(self) -> str:
        message = await self.connection.recv()
        self._system.frames.append(Frame(self._id, True, json.loads(message)))
        return message

    async def send(self, message: str) -> None:
        self._system.frames.append(Frame(self._id, False, json.loads(message)))
        await self.connection.send(message)


def _charge_point_class(system: CentralSystem) -> type[ChargePoint]:
    class Recording(ReferenceChargePoint):
        def __init__(self, charge_box_id: str, connection: Any) -> None:
            super().__init__(charge_box_id, _RecordingConnection(connection, charge_box_id,
                                                                 system))
            self._tasks: set[asyncio.Task[None]] = set()

        @after(Action.boot_notification)
        def after_boot_notification(self, **_: Any) -> None:
            script = system.scripts.pop(self.id, None)
            if script:
                task = asyncio.ensure_future(script(self))
                self._tasks.add(task)  # kept until done: the loop holds tasks weakly

    return Recording


async def _cancel_remaining_tasks() -> None:
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@contextmanager
def serving_in_thread(server: Callable[[], AbstractAsyncContextManager[Any]]) -> Iterator[int]:
    """Run a websockets server on its own event loop in a thread; yield its port."""
    loop = asyncio.new_event_loop()
    started: list[int] = []
    ready = threading.Event()
    stop = asyncio.Event()

    async def serve() -> None:
        async with server() as running:
            started.append(running.sockets[0].getsockname()[1])
            ready.set()
            await stop.wait()
        # Connections still being served are cancelled and awaited, not left for the
        # garbage collector (their coroutines would warn, and warnings are errors).
        await _cancel_remaining_tasks()
        await loop.shutdown_asyncgens()

    # Everything runs in the thread: Playwright leaves a loop marked running in this one.
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the server did not start"
    try:
        yield started[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


@pytest.fixture(scope="module")
def central_system() -> Iterator[CentralSystem]:
    system = CentralSystem()
    with serving_in_thread(lambda: start("127.0.0.1", 0, _charge_point_class(system))) as port:
        system.port = port
        yield system
