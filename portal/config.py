"""Every setting of Plugboard, read once from the environment (and an optional `.env`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many

from portal.services.encryption import parse_keys
from portal.smtp_url import smtp_server

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
ONE_YEAR = 365 * 24 * 3600


class ConfigError(ValueError):
    """A setting has a value Plugboard cannot use."""


def _boolean(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def _port(raw: str) -> int:
    port = int(raw)
    if not 1 <= port <= 65535:
        raise ValueError("expected a port number from 1 to 65535")
    return port


def _optional_port(raw: str) -> int | None:
    return _port(raw) if raw else None


def _non_negative(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("expected a whole number of 0 or more")
    return value


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("expected a whole number of 1 or more")
    return value


def _rate_limit(raw: str) -> str:
    parse_many(raw)  # raises ValueError on a malformed limit such as "five a minute"
    return raw


def _password_hash_method(raw: str) -> str:
    if not raw.startswith(("scrypt", "pbkdf2:")):
        raise ValueError("expected scrypt[:N:r:p] or pbkdf2:sha256[:iterations]")
    return raw


def _database_url(raw: str) -> str:
    if not raw.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")):
        raise ValueError("expected a sqlite:/// or postgresql:// URL")
    # Heroku-style postgres:// and bare postgresql:// both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def _url(*schemes: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw and not raw.startswith(tuple(f"{scheme}://" for scheme in schemes)):
            raise ValueError(f"expected a URL starting with {' or '.join(schemes)}://")
        return raw

    return parse


def _smtp_url(raw: str) -> str:
    if raw:
        smtp_server(raw)
    return raw


def _file(raw: str) -> str:
    if raw and not Path(raw).is_file():
        raise ValueError("no such file")
    return raw


def _mail_address(raw: str) -> str:
    _name, address = parseaddr(raw)
    if "@" not in address:
        raise ValueError("expected an address such as `Plugboard <noreply@example.com>`")
    return raw


def _portal_url(raw: str) -> str:
    parts = urlsplit(raw)
    if raw and (parts.scheme not in {"http", "https"} or not parts.hostname
                or parts.path not in {"", "/"} or parts.query):
        raise ValueError("expected http(s)://<PORTAL_DOMAIN>[:port], as in https://example.com")
    return raw.rstrip("/")


def _tile_url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")) or not all(
            part in raw for part in ("{z}", "{x}", "{y}")):
        raise ValueError("expected an http(s):// URL with {z}, {x} and {y}")
    return raw


def _environment(raw: str) -> str:
    if raw not in {"development", "production"}:
        raise ValueError("expected development or production")
    return raw


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str
    parse: Callable[[str], Any] = str
    secret: bool = False  # its value is never printed


SETTINGS: tuple[Setting, ...] = (
    Setting("PORTAL_ENV", "development",
            "`production` refuses to start without SECRET_KEY and sends cookies only over HTTPS",
            _environment),
    Setting("SECRET_KEY", "",
            "signs sessions and CSRF tokens; in development a random one kept in "
            "`instance/secret_key`"),
    Setting("SECRET_ENCRYPTION_KEY", "",
            "Fernet key(s) encrypting the secrets Plugboard reads back (single sign-on client "
            "secrets), comma-separated: the first encrypts, all decrypt, so a new key goes "
            "first and an old one stays while values encrypted with it remain; empty = "
            "derived from SECRET_KEY (changing SECRET_KEY then loses them)", parse_keys,
            secret=True),
    Setting("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'plugboard.db'}",
            "SQLAlchemy URL: the SQLite file under `instance/`, or `postgresql://user@host/db`",
            _database_url),
    Setting("DATABASE_POOL_SIZE", "10",
            "PostgreSQL connections per worker process for pages, the API and the clock (as "
            "many again when busy)", _non_negative),
    Setting("OCPP_DATABASE_POOL_SIZE", "10",
            "PostgreSQL connections per worker process for stations' messages, apart from the "
            "pages' (as many again when busy); a message waits up to 30 s for one", _positive),
    Setting("REDIS_POOL_SIZE", "100",
            "Redis connections per worker process for each of its uses (command routing, live "
            "updates); past it a caller waits up to 10 s for one", _positive),
    Setting("REDIS_URL", "",
            "Redis for login throttling, the OCPP handshake limits and cross-worker command "
            "routing; empty = in-process",
            _url("redis", "rediss", "unix")),
    Setting("PORTAL_DOMAIN", "localhost",
            "tenants live at `<slug>.<PORTAL_DOMAIN>`; the bare domain shows the company finder"),
    Setting("PORTAL_URL", "",
            "how people reach the portal, e.g. `https://example.com` (its host is PORTAL_DOMAIN); "
            "links in e-mails lead to `<slug>.` that host; empty = "
            "`https://<PORTAL_DOMAIN>:<PORT>` with TLS_CERT_FILE (no port when 443), else "
            "`https://<PORTAL_DOMAIN>` in production, `http://<PORTAL_DOMAIN>:<PORT>` in "
            "development", _portal_url),
    Setting("SMTP_URL", "",
            "`smtp://[user:password@]host[:port]` (port 25; STARTTLS whenever the server offers "
            "it, and required to log in) or `smtps://...` (TLS from the first byte, port 465); "
            "%-encode special characters; `?verify=false` accepts any certificate; "
            "empty = mail is printed to the log", _smtp_url),
    Setting("SMTP_CA_FILE", "",
            "PEM file of the certificate authorities trusted for the SMTP server's certificate "
            "(e.g. an internal CA's); empty = the system's", _file),
    Setting("MAIL_FROM", "Plugboard <noreply@localhost>", "sender address of every e-mail",
            _mail_address),
    Setting("HOST", "127.0.0.1", "address `flask serve` and `make run` listen on"),
    Setting("PORT", "8000", "port `flask serve` and `make run` listen on", _port),
    Setting("TLS_CERT_FILE", "",
            "PEM certificate (its chain may follow) with which `flask serve` and the Procfile's "
            "gunicorn serve HTTPS and wss:// themselves, TLS 1.2 or newer; set with TLS_KEY_FILE; "
            "empty = plain HTTP (behind a TLS proxy)"),
    Setting("TLS_KEY_FILE", "", "the unencrypted PEM private key of TLS_CERT_FILE"),
    Setting("COOKIE_SECURE", "",
            "send cookies only over HTTPS; empty = true in production or with TLS_CERT_FILE, "
            "false otherwise",
            lambda raw: _boolean(raw) if raw else None),
    Setting("HSTS_SECONDS", "",
            "how long browsers must reach the portal over HTTPS only (Strict-Transport-Security, "
            "sent on HTTPS responses); empty = a year in production, none in development; 0 = none",
            lambda raw: _non_negative(raw) if raw else None),
    Setting("REMEMBER_COOKIE_DAYS", "30",
            "days a login lasts at most: the lifetime of the \"Keep me logged in\" cookie, and "
            "when the server ends any login", _positive),
    Setting("LOGIN_RATE_LIMIT", "5 per minute;20 per hour",
            "failed password checks (logins and password changes) allowed per client address "
            "and per account before throttling", _rate_limit),
    Setting("ACCOUNT_MAIL_RATE_LIMIT", "5 per hour",
            "e-mails asked for from the login and account pages (password reset, new address "
            "to confirm) allowed per client address and per address", _rate_limit),
    Setting("PASSWORD_HASH_METHOD", "scrypt",
            "how new passwords are hashed (werkzeug method, e.g. `scrypt:32768:8:1`)",
            _password_hash_method),
    Setting("OCPP_PING_INTERVAL", "60",
            "seconds between WebSocket pings to stations; one unanswered = offline (0 = none)",
            _non_negative),
    Setting("OCPP_MAX_FRAME_BYTES", "65536",
            "largest OCPP frame accepted from a station; larger ones get a CALLERROR",
            _non_negative),
    Setting("OCPP_COMMAND_TIMEOUT", "30",
            "seconds a remote operation waits for the station's answer before 'timed out'",
            _non_negative),
    Setting("OUTBOX_TIMEOUT", "10",
            "seconds the delivery worker waits for a service (map, payment, webhook) to "
            "answer one event before it counts as failed and is retried", _positive),
    Setting("OUTBOX_RETRY_HOURS", "24",
            "hours a failed event is retried (with exponential backoff) before it is marked "
            "failed", _positive),
    Setting("OUTBOX_RATE_PER_SECOND", "10",
            "events sent at most per second to one service", _positive),
    Setting("OUTBOX_WORKERS", "8",
            "services the clock process sends to at the same time (one thread each)",
            _positive),
    Setting("OCPP_GET_CONFIGURATION_AT_FIRST_BOOT", "true",
            "fetch a station's OCPP configuration (GetConfiguration) after its first accepted boot",
            _boolean),
    Setting("OCPP_MAX_CONNECTIONS_PER_WORKER", "10000",
            "stations one worker process holds at most; past it a handshake is answered 503 "
            "with Retry-After, so that stations spread over the other workers (0 = no limit)",
            _non_negative),
    Setting("OCPP_REGISTRY_TTL", "90",
            "seconds a dead worker's stations stay routed to it in Redis (refreshed by live ones)",
            _non_negative),
    Setting("OCPP_AUTO_REGISTER_LIMIT", "10 per hour",
            "new Pending stations auto-registration adds per company; past it an unknown "
            "station is refused (404) as without auto-registration", _rate_limit),
    Setting("OCPP_REFUSED_CONNECTIONS_LIMIT", "10 per minute",
            "refused handshakes recorded (with their alarm) per company and station address; "
            "past it they are refused as before and not recorded", _rate_limit),
    Setting("MESSAGE_LOG_RETENTION_DAYS", "30",
            "days the OCPP message log keeps each frame (`flask jobs run` prunes it; 0 = for ever)",
            _non_negative),
    Setting("PROXY_FIX_HOPS", "0",
            "number of trusted proxies in front (reads their X-Forwarded-* headers)",
            _non_negative),
    Setting("MAX_UPLOAD_MB", "16", "largest request body accepted, in megabytes", _non_negative),
    Setting("TAG_IMPORT_MAX_KB", "2048",
            "largest tags CSV file accepted by the import, in kilobytes", _non_negative),
    Setting("TOPOLOGY_IMPORT_MAX_KB", "2048",
            "largest stations CSV file the Topology page's import accepts, in kilobytes",
            _non_negative),
    Setting("FIRMWARE_MAX_MB", "64", "largest firmware image staff may upload, in megabytes",
            _non_negative),
    Setting("DIAGNOSTICS_MAX_MB", "32",
            "largest diagnostics file a station may upload, in megabytes", _non_negative),
    Setting("STATION_FILES_URL", "",
            "address stations download firmware from and upload diagnostics to, e.g. "
            "`http://plugboard.example.com`; empty = the company's portal as staff reach it",
            _url("http", "https")),
    Setting("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "map tiles of the site maps (Leaflet's `{z}/{x}/{y}` form, `{s}` for subdomains); "
            "the Content-Security-Policy allows images from its host", _tile_url),
    Setting("READINESS_TIMEOUT", "2",
            "seconds `/readyz` waits for the database and Redis to answer before it reports "
            "them down (503); PostgreSQL is given at least 2 s to connect", _positive),
    Setting("METRICS_HOST", "127.0.0.1",
            "address the Prometheus metrics listeners (METRICS_PORT, CLOCK_METRICS_PORT) bind "
            "to: a private one for a Prometheus on another machine, never a public one"),
    Setting("METRICS_PORT", "",
            "port of the web process's Prometheus metrics listener (`/metrics`; the gunicorn "
            "master or `flask serve`), apart from the portal's port; empty = off", _optional_port),
    Setting("CLOCK_METRICS_PORT", "",
            "port of the clock process's (`flask jobs run`) Prometheus metrics listener; "
            "empty = off", _optional_port),
    Setting("BACKUP_DIR", "",
            "directory of the clock's daily database backups (made if missing); empty = no "
            "backups"),
    Setting("BACKUP_KEEP_DAYS", "14",
            "days a backup in BACKUP_DIR is kept; the clock deletes older ones (never the newest)",
            _positive),
    Setting("LOG_LEVEL", "INFO", "Python logging level"),
)


def load(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Read and check every setting; raise ConfigError naming each bad one."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    problems: list[str] = []
    for setting in SETTINGS:
        raw = environ.get(setting.name, setting.default)
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as error:
            shown = "***" if setting.secret else _without_password(raw)
            problems.append(f"{setting.name}={shown!r}: {error}")
    if problems:
        raise ConfigError("bad settings: " + "; ".join(problems))
    return values


def _without_password(raw: str) -> str:
    """A URL as it may be printed: its password masked."""
    netloc = urlsplit(raw).netloc
    if "@" not in netloc or ":" not in netloc.rpartition("@")[0]:
        return raw
    credentials, _, host = netloc.rpartition("@")
    masked = credentials.partition(":")[0] + ":***@" + host
    return raw.replace(netloc, masked, 1)


def flask_config(values: dict[str, Any]) -> dict[str, Any]:
    """Turn the checked settings into Flask's configuration keys."""
    production = values["PORTAL_ENV"] == "production"
    if production and not values["SECRET_KEY"]:
        raise ConfigError("SECRET_KEY must be set when PORTAL_ENV=production")
    tls = _served_over_tls(values)
    secure = values["COOKIE_SECURE"]
    if secure is None:
        secure = production or tls
    hsts = values["HSTS_SECONDS"]
    if hsts is None:
        hsts = ONE_YEAR if production else 0
    return {
        **values,
        "PORTAL_URL": _checked_portal_url(values, production, tls),
        "SECRET_KEY": values["SECRET_KEY"] or _development_secret_key(),
        "SQLALCHEMY_DATABASE_URI": values["DATABASE_URL"],
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(values["DATABASE_URL"],
                                                    values["DATABASE_POOL_SIZE"]),
        # A station's message waits longer for a connection than a page: it is answered
        # late rather than refused (stations retry refused messages, and all at once).
        "OCPP_ENGINE_OPTIONS": engine_options(values["DATABASE_URL"],
                                              values["OCPP_DATABASE_POOL_SIZE"], pool_timeout=30),
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=values["REMEMBER_COOKIE_DAYS"]),
        "HSTS_SECONDS": hsts,
        "MAX_CONTENT_LENGTH": values["MAX_UPLOAD_MB"] * 1024 * 1024,
        # A text field may hold a whole tags CSV file: a Replace import's confirmation sends
        # the previewed file back in base64 (4 bytes per 3). Werkzeug's default is 500 KB.
        "MAX_FORM_MEMORY_SIZE": max(500_000, values["TAG_IMPORT_MAX_KB"] * 1024 * 4 // 3 + 4096),
        "FIRMWARE_MAX_BYTES": values["FIRMWARE_MAX_MB"] * 1024 * 1024,
        "DIAGNOSTICS_MAX_BYTES": values["DIAGNOSTICS_MAX_MB"] * 1024 * 1024,
        "RATELIMIT_STORAGE_URI": values["REDIS_URL"] or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
    }


def _served_over_tls(values: dict[str, Any]) -> bool:
    """Whether this process serves HTTPS itself (the files are checked when it starts)."""
    if bool(values["TLS_CERT_FILE"]) != bool(values["TLS_KEY_FILE"]):
        raise ConfigError("TLS_CERT_FILE and TLS_KEY_FILE go together: set both to serve HTTPS "
                          "and wss:// directly, or neither behind a TLS proxy")
    return bool(values["TLS_CERT_FILE"])


def _checked_portal_url(values: dict[str, Any], production: bool, tls: bool) -> str:
    domain = values["PORTAL_DOMAIN"]
    url = values["PORTAL_URL"]
    if not url:
        port = values["PORT"]
        if tls:
            return f"https://{domain}" if port == 443 else f"https://{domain}:{port}"
        # In production a TLS proxy answers on 443 (docs/deployment.md); `make run` on PORT.
        return f"https://{domain}" if production else f"http://{domain}:{port}"
    if urlsplit(url).hostname != domain.lower():
        raise ConfigError(f"PORTAL_URL={url!r}: its host must be PORTAL_DOMAIN ({domain})")
    return url


def _development_secret_key() -> str:
    """A random key kept in instance/ so restarting `make run` does not log everyone out."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def engine_options(url: str, pool_size: int = 10, pool_timeout: int = 10) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Under gevent a greenlet waiting on SQLite's write lock blocks the hub; with a
        # single pooled connection writers queue on the pool instead (DESIGN.md).
        return {"pool_size": 1, "max_overflow": 0, "pool_timeout": 30,
                "connect_args": {"check_same_thread": False, "timeout": 30}}
    # No pre-ping: stations' messages check out a connection each, and a ping per message
    # would double the round trips. Recycling connections covers servers that drop them.
    # No JIT: it compiled the statistics' queries for 150-250 ms (their cost estimate is
    # high, a subquery per outlet) where they run in 20 ms; every query here is short.
    return {"pool_pre_ping": False, "pool_recycle": 300, "pool_size": pool_size,
            "max_overflow": pool_size, "pool_timeout": pool_timeout,
            "connect_args": {"options": "-c jit=off"}}
