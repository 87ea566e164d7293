"""Cross-worker command routing over Redis (DESIGN.md, "Command routing").

Every worker process has an id. While it holds a station's socket, Redis maps the
station (tenant, chargeBoxId) to that id with an expiry the worker keeps refreshing, so
a dead worker's entries go by themselves. A command for a station held by another
worker is published on that worker's channel; the holder confirms it took the call,
sends it on the socket and pushes what came back onto a reply list the sender waits on.
Nobody listening on the channel, or no receipt within RECEIPT_TIMEOUT (the worker died),
means the station is offline.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from typing import Any

import redis
from simple_websocket import ConnectionClosed

from ocpp_ws import registry
from ocpp_ws.connection import CallTimedOut, Connection, StationOffline
from ocpp_ws.frames import Reply
from portal.redis_clients import blocking_client

log = logging.getLogger(__name__)
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
PREFIX = "plugboard:ocpp:"
ROUTER = "ocpp_router"  # app.extensions key, set when REDIS_URL is
REPLY_GRACE = 5.0  # seconds a sender waits beyond the call's own time-out
RECEIPT_TIMEOUT = 2  # seconds for the holding worker to confirm it took the call

# Delete the station's entry only if this worker still holds it.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def _station_key(tenant_id: int, charge_box_id: str) -> str:
    return f"{PREFIX}station:{tenant_id}:{charge_box_id}"


def _channel(worker_id: str) -> str:
    return f"{PREFIX}worker:{worker_id}"


class Router:
    def __init__(self, url: str, ttl: float, pool_size: int) -> None:
        # No read time-out: BLPOP and the channel listener wait as long as they are told.
        self.redis = blocking_client(url, pool_size, socket_timeout=None)
        self.ttl = ttl
        self._started = False
        self._start_lock = threading.Lock()
        self._release = self.redis.register_script(_RELEASE)

    def held(self, connection: Connection) -> None:
        """This worker now holds the station's socket."""
        self._start()
        try:
            self.redis.set(_station_key(*connection.key), WORKER_ID, ex=int(self.ttl))
        except redis.RedisError:  # the station stays connected; _refresh enters it soon
            log.warning("station %s not entered in the Redis registry yet",
                        connection.state.charge_box_id)

    def released(self, connection: Connection) -> None:
        self._release(keys=[_station_key(*connection.key)], args=[WORKER_ID])

    def call(self, tenant_id: int, charge_box_id: str, unique_id: str, frame: str,
             timeout: float) -> Reply:
        """Send the call through the worker holding the station; raise StationOffline or
        CallTimedOut."""
        self._start()
        holder = self.redis.get(_station_key(tenant_id, charge_box_id))
        if holder is None or holder == WORKER_ID:  # ours would be in the local registry
            raise StationOffline(charge_box_id)
        reply_to = f"{PREFIX}reply:{uuid.uuid4().hex}"
        request = {"tenant_id": tenant_id, "charge_box_id": charge_box_id,
                   "unique_id": unique_id, "frame": frame, "timeout": timeout,
                   "reply_to": reply_to}
        # Nobody on the channel, or no receipt: the holder is gone (its entry will expire).
        # Redis may still count a subscriber that died a moment ago, hence the receipt.
        if (not self.redis.publish(_channel(holder), json.dumps(request))
                or self.redis.blpop([reply_to], timeout=RECEIPT_TIMEOUT) is None):
            raise StationOffline(charge_box_id)
        popped = self.redis.blpop([reply_to], timeout=timeout + REPLY_GRACE)
        if popped is None:
            raise CallTimedOut(unique_id)
        outcome = json.loads(popped[1])
        if outcome["outcome"] == "offline":
            raise StationOffline(charge_box_id)
        if outcome["outcome"] == "timed out":
            raise CallTimedOut(unique_id)
        return Reply(outcome["message_type"], outcome["unique_id"], outcome["body"])

    def reload(self, tenant_id: int, charge_box_id: str) -> None:
        """Tell the worker holding the station to read it again (see commands)."""
        holder = self.redis.get(_station_key(tenant_id, charge_box_id))
        if holder is not None and holder != WORKER_ID:
            self.redis.publish(_channel(holder), json.dumps(
                {"reload": True, "tenant_id": tenant_id, "charge_box_id": charge_box_id}))

    def _start(self) -> None:
        if self._started:
            return
        with self._start_lock:
            if not self._started:
                for target in (self._listen, self._refresh):
                    threading.Thread(target=target, daemon=True, name=target.__name__).start()
                self._started = True

    def _listen(self) -> None:
        """Take the calls other workers route here; each runs on its own thread."""
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(_channel(WORKER_ID))
        for message in pubsub.listen():
            request = json.loads(message["data"])
            if request.get("reload"):
                if connection := registry.find(request["tenant_id"], request["charge_box_id"]):
                    connection.state.loaded_at = None
                continue
            threading.Thread(target=self._serve, args=(request,), daemon=True).start()

    def _serve(self, request: dict[str, Any]) -> None:
        self._reply(request, {"outcome": "received"})
        connection = registry.find(request["tenant_id"], request["charge_box_id"])
        outcome: dict[str, Any] = {"outcome": "offline"}
        if connection is not None:
            try:
                reply = connection.call(request["unique_id"], request["frame"],
                                        request["timeout"])
                outcome = {"outcome": "answered", "message_type": reply.message_type,
                           "unique_id": reply.unique_id, "body": reply.body}
            except CallTimedOut:
                outcome = {"outcome": "timed out"}
            except (ConnectionClosed, OSError):
                pass
        self._reply(request, outcome)

    def _reply(self, request: dict[str, Any], outcome: dict[str, Any]) -> None:
        reply_to = request["reply_to"]
        self.redis.pipeline().rpush(reply_to, json.dumps(outcome)).expire(
            reply_to, int(request["timeout"] + REPLY_GRACE * 2)).execute()

    def _refresh(self) -> None:
        """Keep this worker's entries alive while it holds the stations."""
        wait = threading.Event()
        while not wait.wait(self.ttl / 3):
            try:
                pipeline = self.redis.pipeline(transaction=False)
                for connection in registry.connections():
                    pipeline.set(_station_key(*connection.key), WORKER_ID, ex=int(self.ttl))
                pipeline.execute()
            except redis.RedisError:
                log.exception("could not refresh the station registry in Redis")
