"""Small typed readers for settings that come from the environment."""

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

POSTGRES_SCHEMES = {"postgres", "postgresql"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in env_str(name, default).split(",") if part.strip()]


def database_from_url(url: str) -> dict[str, Any]:
    """Turn DATABASE_URL (postgres://user:pass@host:port/name?option=value) into a DATABASES
    entry. A unix socket's folder goes in the `host` option, as libpq has it
    (postgres://user@/name?host=/run/postgresql); other options go to psycopg (sslmode=...)."""
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        given = f"{parts.scheme}://" if parts.scheme else "a URL without a scheme"
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a postgres:// URL (postgres://user:pass@host:5432/name), not "
            f"{given}: Segmenta runs on PostgreSQL only. Unset DATABASE_URL to use the embedded "
            "server in var/pgdata."
        )
    options = dict(parse_qsl(parts.query))
    entry: dict[str, Any] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": options.pop("host", parts.hostname or ""),
        "PORT": options.pop("port", str(parts.port or "")),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
    if options:
        entry["OPTIONS"] = options
    return entry


def database_url(entry: Mapping[str, Any]) -> str:
    """The DATABASE_URL of a DATABASES entry (the inverse of database_from_url): how a process
    started by this one (a test's worker) reaches the same database, socket or TCP."""
    auth = quote(entry["USER"], safe="")
    if entry.get("PASSWORD"):
        auth += ":" + quote(entry["PASSWORD"], safe="")
    host, port = entry.get("HOST") or "", str(entry.get("PORT") or "")
    options = {key: str(value) for key, value in (entry.get("OPTIONS") or {}).items()}
    if host.startswith("/"):
        # A socket's folder cannot stand in the URL's host part: it goes in the host option.
        netloc = f"{auth}@"
        options = {"host": host, "port": port, **options} if port else {"host": host, **options}
    else:
        netloc = f"{auth}@{host}" + (f":{port}" if port else "")
    path = "/" + quote(entry["NAME"], safe="")
    return urlunsplit(("postgres", netloc, path, urlencode(options), ""))
