"""The sessions exports with a million sessions: when the download starts, how long it takes,
and how much the server's memory grows while it runs, for CSV and Excel.

    createdb -h 127.0.0.1 -U postgres plugboard_bench_exports      # once
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/plugboard_bench_exports
    PYTHONPATH=$PWD .venv/bin/python bench/exports.py [--sessions 1000000] [--stations 250]

The database is emptied and seeded in bulk (bench/harness.py), then `flask serve` (the
embedded gevent server, as in production with one worker) serves it; the administrator
logs in over HTTP and downloads /sessions/export.csv and /sessions/export.xlsx (every
session, newest first) as a client would. The server's resident memory (its process tree,
/proc) is sampled every 20 ms from the request to the last byte. Printed per export: time
to the first byte of the body, total time, bytes, the server's RSS before and its peak
growth during the download, and the page /sessions?after=<a row near the end> (a deep page).
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.proc_stats import rss_mb  # noqa: E402
from bench.run import PYTHON, free_port, plugboard_env, server  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.services import sites, stations  # noqa: E402
from tenants import provisioning  # noqa: E402
from tenants.scoping import tenant_scope  # noqa: E402

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                  r'name="csrf_token" value="([^"]+)"')


def seed(url: str, sessions: int, station_count: int) -> int:
    app = harness.migrated_app(url)
    with app.app_context():
        tenant = provisioning.create_tenant(harness.SLUG, "Bench Co", harness.ADMIN,
                                            harness.PASSWORD)
        tenant.time_zone = "Europe/Amsterdam"
        with tenant_scope(tenant):
            site = sites.find_or_create(tenant, "Site 00")
            rows = [stations.add(tenant, f"CP{n:05}", site=site, connectors=2)
                    for n in range(station_count)]
            db.session.flush()
            count = harness.add_sessions(
                tenant.id, [(row.id, outlet.id) for row in rows for outlet in row.outlets],
                max(1, sessions // 365))
            db.session.commit()
        harness.analyze()
    return count


class Client:
    """An HTTP client of the tenant's host on 127.0.0.1 (the Host header names the tenant)."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.headers = {"Host": f"{harness.SLUG}.localhost:{port}"}
        self.cookies: dict[str, str] = {}

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(self.base + path, headers=self.headers, cookies=self.cookies,
                            allow_redirects=False, timeout=600, **kwargs)

    def log_in(self) -> None:
        page = self.get("/login")
        self.cookies.update(page.cookies.get_dict())
        match = CSRF.search(page.text)
        assert match, "no CSRF token on /login"
        answer = requests.post(self.base + "/login", headers=self.headers,
                               cookies=self.cookies, allow_redirects=False, timeout=60,
                               data={"email": harness.ADMIN, "password": harness.PASSWORD,
                                     "csrf_token": match.group(1) or match.group(2)})
        assert answer.status_code == 302, answer.status_code
        self.cookies.update(answer.cookies.get_dict())


def download(client: Client, path: str, pid: int) -> dict[str, float]:
    """Fetch `path` to the end, sampling the server's memory meanwhile."""
    before = rss_mb(pid)
    peak = [before]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    begin = time.perf_counter()
    first = None
    size = 0
    with client.get(path, stream=True) as response:
        assert response.status_code == 200, response.status_code
        for chunk in response.iter_content(64 * 1024):
            if first is None and chunk:
                first = time.perf_counter() - begin
            size += len(chunk)
    total = time.perf_counter() - begin
    done.set()
    watcher.join()
    return {"first_byte_s": first or total, "total_s": total, "mb": size / 2**20,
            "rss_before_mb": before, "rss_growth_mb": peak[0] - before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--stations", type=int, default=250)
    arguments = parser.parse_args()
    url = harness.database_url()
    begin = time.perf_counter()
    count = seed(url, arguments.sessions, arguments.stations)
    print(f"{harness.backend(url)}: {count:,} sessions seeded in "
          f"{time.perf_counter() - begin:.0f} s")
    port = free_port()
    command = [PYTHON, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)]
    log = Path("/tmp") / f"bench-exports-{port}.log"
    with server(command, port, plugboard_env(url), log) as pid:
        client = Client(port)
        client.log_in()
        first_page = client.get("/sessions")
        last_id = max(int(n) for n in re.findall(r'data-session="(\d+)"', first_page.text))
        deep = f"/sessions?after={max(1, last_id - 50 * 500)}"
        for path in ("/sessions", deep):
            samples = sorted(_timed(client, path) for _ in range(5))
            print(f"{path:<40} p50 {samples[2] * 1000:7.1f} ms  slowest "
                  f"{samples[-1] * 1000:7.1f} ms")
        print(f"{'export':<26}{'first byte':>12}{'total':>10}{'size':>10}"
              f"{'RSS before':>12}{'RSS growth':>12}")
        for path in ("/sessions/export.csv", "/sessions/export.xlsx"):
            figures = download(client, path, pid)
            print(f"{path:<26}{figures['first_byte_s']:>10.2f} s{figures['total_s']:>8.1f} s"
                  f"{figures['mb']:>7.1f} MB{figures['rss_before_mb']:>9.1f} MB"
                  f"{figures['rss_growth_mb']:>9.1f} MB")


def _timed(client: Client, path: str) -> float:
    begin = time.perf_counter()
    assert client.get(path).status_code == 200
    return time.perf_counter() - begin


if __name__ == "__main__":
    main()
