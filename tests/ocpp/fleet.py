"""Many stations at once, each a coroutine on one event loop (websockets' asyncio client):
what the storm and restart tests drive a production-shaped server with."""

from __future__ import annotations

import asyncio
import base64
import json

from websockets.asyncio.client import ClientConnection, connect


async def open_station(port: int, slug: str, charge_box_id: str, key: str,
                       timeout: float) -> ClientConnection:
    """Connect as the station, with its key (security profile 1)."""
    credentials = base64.b64encode(f"{charge_box_id}:{key}".encode()).decode()
    return await connect(f"ws://{slug}.localhost:{port}/ocpp/{charge_box_id}",
                         host="127.0.0.1", port=port, subprotocols=["ocpp1.6"],
                         additional_headers={"Authorization": f"Basic {credentials}"},
                         ping_interval=None, open_timeout=timeout, compression=None)


async def call(ws: ClientConnection, unique_id: str, action: str, payload: dict,
               timeout: float) -> dict:
    """Send a CALL and return its CALLRESULT's payload; anything else fails."""
    await ws.send(json.dumps([2, unique_id, action, payload]))
    answer = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    if answer[0] != 3:
        raise AssertionError(f"{action}: {answer}")
    return answer[2]
