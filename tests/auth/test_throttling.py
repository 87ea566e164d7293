"""Password guesses are limited (LOGIN_RATE_LIMIT, 5 a minute), also when they come at once."""

from __future__ import annotations

import threading
from collections import Counter

import requests

from portal.models import Role
from tests.factories import PASSWORD, World
from tests.portal_client import CSRF_PATTERN

PARALLEL_GUESSES = 25


def _guess_in_parallel(port: int, slug: str, email: str) -> Counter[int]:
    """Post PARALLEL_GUESSES wrong passwords for one e-mail at the same moment; count answers."""
    base = f"http://127.0.0.1:{port}"
    host = {"Host": f"{slug}.localhost:{port}"}
    page = requests.get(f"{base}/login", headers=host, timeout=30)
    match = CSRF_PATTERN.search(page.text)
    assert match
    form = {"email": email, "password": "wrong-pass-1",
            "csrf_token": match.group(1) or match.group(2)}
    start = threading.Barrier(PARALLEL_GUESSES)
    statuses: list[int] = []

    def guess() -> None:
        start.wait(timeout=30)
        answer = requests.post(f"{base}/login", data=form, headers=host, cookies=page.cookies,
                               allow_redirects=False, timeout=60)
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=guess) for _ in range(PARALLEL_GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return Counter(statuses)


def test_parallel_wrong_passwords_check_at_most_five(live_server: int, world: World) -> None:
    answers = _guess_in_parallel(live_server, world.a.slug, world.a.email(Role.SUPPORT))
    assert set(answers) <= {401, 429}, answers  # 401: the password was checked and wrong
    assert sum(answers.values()) == PARALLEL_GUESSES
    assert 1 <= answers[401] <= 5, answers


def _change_password(client, current: str, new: str = "brand-new-pass-2"):
    return client.post("/account/password", {
        "current_password": current, "new_password": new, "confirm": new,
    }, csrf_from="/account/password")


def test_wrong_current_passwords_are_throttled_like_logins(portal, world: World) -> None:
    client = portal(world.a)
    client.login(world.a.email(Role.SUPPORT))
    statuses = [_change_password(client, "not-my-pass-1").status_code for _ in range(5)]
    assert statuses == [400] * 5
    throttled = _change_password(client, PASSWORD)
    assert throttled.status_code == 429
    assert "Too many failed attempts" in throttled.get_data(as_text=True)


def test_right_current_passwords_do_not_count(portal, world: World) -> None:
    client = portal(world.a)
    client.login(world.a.email(Role.SUPPORT))
    for _ in range(6):  # refused for the new password's sake, not for the current one
        response = _change_password(client, PASSWORD, "short1")
        assert response.status_code == 400
        assert "at least 8 characters" in response.get_data(as_text=True)


def test_guesses_through_the_password_form_count_towards_logins(portal, world: World) -> None:
    email = world.a.email(Role.SUPPORT)
    client = portal(world.a)
    client.login(email)
    for _ in range(3):
        assert _change_password(client, "not-my-pass-1").status_code == 400
    for _ in range(2):
        assert portal(world.a).login(email, "wrong-pass-1").status_code == 401
    assert portal(world.a).login(email).status_code == 429
