"""CPU and memory of a server (its process tree) and of the machine, read from /proc."""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """The process and all its descendants (a server's workers, say)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        found.append(current := todo.pop())
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    total = 0
    for process in descendants(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    total_kb = 0
    for process in descendants(pid):
        try:
            status = Path(f"/proc/{process}/status").read_text()
        except OSError:
            continue
        total_kb += next((int(line.split()[1]) for line in status.splitlines()
                          if line.startswith("VmRSS:")), 0)
    return total_kb / 1024


def machine_busy_seconds() -> float:
    """CPU time spent by every process on the machine, all cores together."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait = fields[3], fields[4]
    return (sum(fields[:8]) - idle - iowait) / CLOCK_TICKS


class Watch:
    """A server's CPU and peak memory, and the machine's CPU, over a measurement."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.idle_rss_mb = rss_mb(pid) if pid else 0.0  # before the first connection
        self.loaded_rss_mb = 0.0  # every station connected, before the measurement
        self.peak_rss_mb = 0.0
        self.server_cpu_seconds = 0.0
        self.machine_cpu_seconds = 0.0

    def start(self) -> None:
        self.sample()
        self.loaded_rss_mb = self.peak_rss_mb
        self.server_cpu_seconds = -cpu_seconds(self.pid) if self.pid else 0.0
        self.machine_cpu_seconds = -machine_busy_seconds()

    def sample(self) -> None:
        if self.pid:
            self.peak_rss_mb = max(self.peak_rss_mb, rss_mb(self.pid))

    def stop(self) -> None:
        self.sample()
        if self.pid:
            self.server_cpu_seconds += cpu_seconds(self.pid)
        self.machine_cpu_seconds += machine_busy_seconds()
