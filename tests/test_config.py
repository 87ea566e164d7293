"""Settings: every one documented in the README, bad values refused with a clear message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import config
from portal.config import PROJECT_ROOT, SETTINGS, ConfigError


def test_readme_lists_every_setting() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    for setting in SETTINGS:
        assert f"`{setting.name}`" in readme, f"{setting.name} is missing from the README"


@pytest.mark.parametrize(("name", "value"), [
    ("PORT", "eighty"), ("PORT", "70000"), ("PORTAL_ENV", "staging"),
    ("DATABASE_URL", "mysql://x"), ("REDIS_URL", "http://x"), ("SMTP_URL", "mail.example.com"),
    ("COOKIE_SECURE", "maybe"), ("LOGIN_RATE_LIMIT", "five a minute"), ("PROXY_FIX_HOPS", "-1"),
    ("PASSWORD_HASH_METHOD", "md5"), ("REMEMBER_COOKIE_DAYS", "0"),
    ("OCPP_AUTO_REGISTER_LIMIT", "ten an hour"), ("OCPP_REFUSED_CONNECTIONS_LIMIT", "10"),
])
def test_bad_value_is_refused_naming_the_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        config.load({name: value})


def test_production_refuses_to_start_without_a_secret_key() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        config.flask_config(config.load({"PORTAL_ENV": "production"}))


def test_production_sends_cookies_only_over_https() -> None:
    flask = config.flask_config(config.load({"PORTAL_ENV": "production", "SECRET_KEY": "k" * 32}))
    assert flask["SESSION_COOKIE_SECURE"] and flask["REMEMBER_COOKIE_SECURE"]
    assert flask["SESSION_COOKIE_HTTPONLY"]


def test_postgres_urls_use_psycopg_3() -> None:
    url = config.load({"DATABASE_URL": "postgres://u@h/db"})["DATABASE_URL"]
    assert url == "postgresql+psycopg://u@h/db"


def test_redis_url_backs_login_throttling() -> None:
    flask = config.flask_config(config.load({"REDIS_URL": "redis://127.0.0.1:6379/15"}))
    assert flask["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"



def test_remember_cookie_days_sets_how_long_the_remember_cookie_lasts() -> None:
    flask = config.flask_config(config.load({"REMEMBER_COOKIE_DAYS": "7"}))
    assert flask["REMEMBER_COOKIE_DURATION"] == timedelta(days=7)
