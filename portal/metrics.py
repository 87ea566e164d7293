"""Prometheus metrics (docs/operations.md): each defined once here and updated where its event
happens; portal.metrics_listener serves them.

Updating one is cheap enough for every OCPP frame: a dictionary lookup for the labels and an
addition, under a lock held for no longer than that.
"""

from __future__ import annotations

import time
from functools import cache

from prometheus_client import Counter, Gauge, Histogram

# Gauges are summed over a machine's live workers ("livesum"), or the largest value taken
# where one process sets them (the clock's).
STATIONS_CONNECTED = Gauge(
    "plugboard_stations_connected", "Stations with an open OCPP connection.",
    multiprocess_mode="livesum")
OCPP_MESSAGES = Counter(
    "plugboard_ocpp_messages",
    "CALLs from stations answered, by action and outcome: answered, or the CALLERROR code.",
    ["action", "outcome"])
OCPP_ANSWER_SECONDS = Histogram(
    "plugboard_ocpp_answer_seconds",
    "Time from a station's CALL read to its answer ready to send (committed), by action.",
    ["action"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
GROUP_COMMIT_BATCH = Histogram(
    "plugboard_group_commit_batch_frames", "Frames committed together by the group commit.",
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500))
GROUP_COMMIT_QUEUE = Gauge(
    "plugboard_group_commit_queue_frames",
    "Frames waiting for the group commit's next batch, as its last batch started.",
    multiprocess_mode="livesum")
COMMANDS = Counter(
    "plugboard_commands",
    "Commands sent to stations, by action and outcome (answered, call_error, offline, "
    "timed_out).", ["action", "outcome"])
OUTBOX_BACKLOG = Gauge(
    "plugboard_outbox_backlog_events",
    "Events waiting in the outbox for a third-party service (measured by the clock).",
    multiprocess_mode="livemax")
MAIL_FAILURES = Counter("plugboard_mail_failures", "E-mails the SMTP server did not take.")
NEWEST_BACKUP = Gauge(
    "plugboard_backup_newest_timestamp_seconds",
    "When the newest backup in BACKUP_DIR was taken (seen by the clock).",
    multiprocess_mode="livemax")


def ocpp_answered(action: str, outcome: str, received: float) -> None:
    """Count an answer to a station's CALL read at `received` (time.perf_counter())."""
    _answers(action, outcome).inc()
    _answer_seconds(action).observe(time.perf_counter() - received)


# The labelled children, looked up without labels()'s lock: a third of the cost per frame.
# The callers keep the labels few (OCPP's actions and error codes), and so the caches.
@cache
def _answers(action: str, outcome: str) -> Counter:
    return OCPP_MESSAGES.labels(action, outcome)


@cache
def _answer_seconds(action: str) -> Histogram:
    return OCPP_ANSWER_SECONDS.labels(action)

