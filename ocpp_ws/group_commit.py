"""Group commit: the writes of many stations' frames committed in one transaction.

Committing every message on its own costs a transaction (and on PostgreSQL a WAL flush)
per message. Here each frame's writes are queued; one writer thread per process takes
everything queued, runs it in one transaction with one executemany per statement, and
commits. Only then does each frame's connection send its answer, so the durability rule
holds: a station that has its answer has its data on disk. Under little load a batch is
a single frame and nothing waits; under heavy load batches grow by themselves.

If a batch fails, its frames are retried one by one, so a bad frame fails alone.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.sql import Executable, Insert

from portal import metrics

log = logging.getLogger(__name__)
MAX_BATCH = 500  # frames per transaction


@dataclass
class Writes:
    """The statements one frame adds to the database, each with its parameter rows."""

    steps: list[tuple[Executable, list[dict[str, Any]]]] = field(default_factory=list)

    def add(self, statement: Executable, *rows: dict[str, Any]) -> None:
        if rows:
            self.steps.append((statement, list(rows)))

    def run_on(self, connection: Connection) -> None:
        """Run the steps in the connection's transaction (the ORM lane's, for instance)."""
        _run(connection, [self])


def _run(connection: Connection, many: Iterable[Writes]) -> None:
    # One statement per statement object; frames' rows never depend on each other's.
    grouped: dict[Executable, list[dict[str, Any]]] = {}
    for writes in many:
        for statement, rows in writes.steps:
            grouped.setdefault(statement, []).extend(rows)
    for statement, rows in grouped.items():
        if isinstance(statement, Insert) and connection.dialect.name == "postgresql":
            _copy(connection, statement.table, rows)
        else:
            connection.execute(statement, rows)


def _copy(connection: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert with COPY: rows are formatted in C, in one round trip (executemany makes
    one query per row). The rows carry every column; values need no type processing."""
    quote = connection.dialect.identifier_preparer.quote
    columns = list(rows[0])
    command = (f"COPY {quote(table.name)} ({', '.join(quote(name) for name in columns)})"
               " FROM STDIN")
    with connection.connection.cursor() as cursor, cursor.copy(command) as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


@dataclass(eq=False)
class _Ticket:
    writes: Writes
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class GroupCommit:
    """Commit frames' writes together; `commit` returns once they are durable."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.SimpleQueue[_Ticket] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def commit(self, writes: Writes) -> None:
        """Wait until the writes are committed; raise what made them fail."""
        ticket = _Ticket(writes)
        self._queue.put(ticket)
        self._start_writer()
        ticket.done.wait()
        if ticket.error is not None:
            raise ticket.error

    def _start_writer(self) -> None:
        if self._writer is None:
            with self._start_lock:
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write_forever, daemon=True,
                                                    name="ocpp-group-commit")
                    self._writer.start()

    def _write_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            metrics.GROUP_COMMIT_BATCH.observe(len(batch))
            metrics.GROUP_COMMIT_QUEUE.set(self._queue.qsize())
            self._write(batch)

    def _write(self, batch: list[_Ticket]) -> None:
        try:
            self._commit(batch)
        except Exception as error:
            if len(batch) == 1:
                batch[0].error = error
            else:
                log.warning("a batch of %d frames failed; committing them one by one",
                            len(batch))
                for ticket in batch:
                    try:
                        self._commit([ticket])
                    except Exception as single_error:
                        ticket.error = single_error
        finally:
            for ticket in batch:
                ticket.done.set()

    def _commit(self, batch: list[_Ticket]) -> None:
        with self._engine.begin() as connection:
            _run(connection, (ticket.writes for ticket in batch))
