"""After logging in, `next` leads only to a path on this host, read as a browser reads it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from portal.models import Role
from tests.factories import PASSWORD, World

# Raw query strings, as a crafted link would carry them.
HOSTILE_NEXT = [
    "%2F%09%2Fevil.example%2F",       # "/<tab>/evil.example/": browsers drop the tab
    "/%09/evil.example",
    "/%0D%0A/evil.example",           # CR and LF are dropped too
    "%0D%0A",                         # once a 500 after a successful login
    "/%0D%0ASet-Cookie:%20stolen=1",  # a header of its own, were CR LF kept
    "%2F%5Cevil.example",             # "/\evil.example": a backslash reads as a slash
    "%5C%5Cevil.example",
    "/%5C/evil.example",
    "https://evil.example/",
    "https:evil.example",
    "//evil.example",
    "///evil.example",
    "%20//evil.example",              # leading space and C0 controls are stripped
    "%1F//evil.example",
    "javascript:alert(1)",
    "%09javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "evil.example",
    "data:text/html,hello",
]


def _login_with_next(client, query: str, email: str):
    return client.post(f"/login?next={query}", {"email": email, "password": PASSWORD},
                       csrf_from="/login")


def _is_same_host_path(location: str) -> bool:
    parts = urlsplit(location)
    return (location.startswith("/") and not location.startswith("//")
            and not parts.scheme and not parts.netloc
            and "\\" not in location and not re.search(r"[\x00-\x20\x7f]", location))


@pytest.mark.parametrize("query", HOSTILE_NEXT)
def test_hostile_next_leads_to_a_path_on_this_host(portal, world: World, query: str) -> None:
    client = portal(world.a)
    response = _login_with_next(client, query, world.a.email(Role.ADMIN))
    assert response.status_code == 302
    assert _is_same_host_path(response.headers["Location"]), response.headers["Location"]


def test_next_with_a_nul_is_refused_before_anyone_logs_in(portal, world: World) -> None:
    # No request may carry a NUL (portal.input_rules), this one included.
    response = _login_with_next(portal(world.a), "%00%1F//evil.example",
                                world.a.email(Role.ADMIN))
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_next_with_a_host_in_it_falls_back_to_the_start_page(portal, world: World) -> None:
    client = portal(world.a)
    response = _login_with_next(client, "%2F%09%2Fevil.example%2F", world.a.email(Role.ADMIN))
    assert response.headers["Location"] == "/"


def test_next_on_this_host_is_kept(portal, world: World) -> None:
    client = portal(world.a)
    response = _login_with_next(client, "/stations%3Fnode%3Dsite:1", world.a.email(Role.ADMIN))
    assert response.headers["Location"] == "/stations?node=site:1"


def test_next_is_read_without_the_tabs_and_newlines_a_browser_drops(portal, world: World
                                                                    ) -> None:
    client = portal(world.a)
    response = _login_with_next(client, "/sta%09tions%0A", world.a.email(Role.ADMIN))
    assert response.headers["Location"] == "/stations"
