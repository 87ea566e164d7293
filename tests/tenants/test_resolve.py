from __future__ import annotations

import pytest

from tenants.resolve import slug_for_host


@pytest.mark.parametrize(("host", "slug"), [
    ("fastcars.localhost", "fastcars"),
    ("fastcars.localhost:8000", "fastcars"),
    ("FastCars.LOCALHOST:8000", "fastcars"),
    ("localhost", None),
    ("localhost:8000", None),
    ("127.0.0.1:8000", None),
    ("[::1]:8000", None),
])
def test_slug_comes_from_the_host(host: str, slug: str | None) -> None:
    assert slug_for_host(host, "localhost") == slug


def test_a_deeper_subdomain_is_no_tenant() -> None:
    with pytest.raises(LookupError):
        slug_for_host("a.b.localhost", "localhost")
