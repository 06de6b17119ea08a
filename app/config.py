"""Settings from environment variables, validated once at start-up."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SUPPORTED_DATABASES = ("sqlite", "postgresql")
SEARCH_BACKENDS = ("whoosh", "postgres")
SECRET_KEY_FILE = "secret_key"


class ConfigError(RuntimeError):
    """Configuration that must stop start-up, with a message a person can act on."""


def build_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Read, default and validate every setting; raise ConfigError on the first bad one."""
    overrides = overrides or {}
    env = os.environ
    instance = Path(overrides.get("INSTANCE_PATH") or env.get("INSTANCE_PATH") or instance_path)
    ensure_writable_folder(instance, "instance folder")

    config = {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{instance / 'community.db'}",
        "SEARCH_BACKEND": env.get("SEARCH_BACKEND", "whoosh"),
        "SEARCH_INDEX_DIR": env.get("SEARCH_INDEX_DIR") or str(instance / "search-index"),
        "SEARCH_SYNONYMS_FILE": env.get("SEARCH_SYNONYMS_FILE"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "DB_POOL_SIZE": env.get("DB_POOL_SIZE", "5"),
        "DB_MAX_OVERFLOW": env.get("DB_MAX_OVERFLOW", "5"),
        "PORT": env.get("PORT", "5000"),
        "SECRET_KEY": env.get("SECRET_KEY"),
        "SITE_URL": env.get("SITE_URL", ""),
        "TRUSTED_PUBLISH_THRESHOLD": env.get("TRUSTED_PUBLISH_THRESHOLD", "3"),
        "FLAG_HIDE_THRESHOLD": env.get("FLAG_HIDE_THRESHOLD", "3"),
        "PASSWORD_HASH_PROFILE": env.get("PASSWORD_HASH_PROFILE", "strong"),
        "PAGE_CACHE": env.get("PAGE_CACHE", "on"),
        "PAGE_CACHE_MAX_MB": env.get("PAGE_CACHE_MAX_MB", "8"),
        "TRUSTED_PROXY_COUNT": env.get("TRUSTED_PROXY_COUNT", "0"),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "file"),
        "MAIL_FOLDER": env.get("MAIL_FOLDER") or str(instance / "mail"),
        "MAIL_FROM": env.get("MAIL_FROM", "Community accounts <no-reply@localhost>"),
        "SMTP_HOST": env.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": env.get("SMTP_PORT", "587"),
        "SMTP_USER": env.get("SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": env.get("SMTP_STARTTLS", "on"),
        "SMTP_TIMEOUT_SECONDS": env.get("SMTP_TIMEOUT_SECONDS", "10"),
        "MAIL_UNSUBSCRIBE_ADDRESS": env.get("MAIL_UNSUBSCRIBE_ADDRESS", ""),
    }
    config.update(overrides)

    config["SQLALCHEMY_DATABASE_URI"] = validate_database_url(config["DATABASE_URL"])
    config["DB_POOL_SIZE"] = validate_positive_int("DB_POOL_SIZE", config["DB_POOL_SIZE"])
    config["DB_MAX_OVERFLOW"] = validate_positive_int(
        "DB_MAX_OVERFLOW", config["DB_MAX_OVERFLOW"], minimum=0
    )
    config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        config["SQLALCHEMY_DATABASE_URI"], config["DB_POOL_SIZE"], config["DB_MAX_OVERFLOW"]
    )
    config["SEARCH_BACKEND"] = validate_choice(
        "SEARCH_BACKEND", config["SEARCH_BACKEND"], SEARCH_BACKENDS
    )
    if config["SEARCH_BACKEND"] == "postgres" and not is_postgres(config["DATABASE_URL"]):
        raise ConfigError(
            "SEARCH_BACKEND=postgres searches in the PostgreSQL database, but DATABASE_URL is "
            "not PostgreSQL. Use SEARCH_BACKEND=whoosh with SQLite."
        )
    config["RATELIMIT_STORAGE_URI"] = validate_ratelimit_storage(config["RATELIMIT_STORAGE_URI"])
    config["PASSWORD_HASH_PROFILE"] = validate_choice(
        "PASSWORD_HASH_PROFILE", config["PASSWORD_HASH_PROFILE"], ("strong", "fast-for-tests")
    )
    config["PAGE_CACHE"] = validate_switch("PAGE_CACHE", config["PAGE_CACHE"])
    config["PAGE_CACHE_MAX_MB"] = validate_positive_int(
        "PAGE_CACHE_MAX_MB", config["PAGE_CACHE_MAX_MB"]
    )
    config["MAIL_BACKEND"] = validate_choice(
        "MAIL_BACKEND", config["MAIL_BACKEND"], ("file", "smtp")
    )
    config["SMTP_PORT"] = validate_positive_int("SMTP_PORT", config["SMTP_PORT"])
    config["SMTP_STARTTLS"] = validate_switch("SMTP_STARTTLS", config["SMTP_STARTTLS"])
    config["SMTP_TIMEOUT_SECONDS"] = validate_positive_int(
        "SMTP_TIMEOUT_SECONDS", config["SMTP_TIMEOUT_SECONDS"]
    )
    config["MAIL_UNSUBSCRIBE_ADDRESS"] = validate_unsubscribe_address(
        config["MAIL_UNSUBSCRIBE_ADDRESS"]
    )
    for name in ("PORT", "TRUSTED_PUBLISH_THRESHOLD", "FLAG_HIDE_THRESHOLD"):
        config[name] = validate_positive_int(name, config[name])
    config["SITE_URL"] = validate_site_url(config["SITE_URL"])
    config["TRUSTED_PROXY_COUNT"] = validate_positive_int(
        "TRUSTED_PROXY_COUNT", config["TRUSTED_PROXY_COUNT"], minimum=0
    )
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = load_or_create_secret_key(instance)
    elif len(config["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters; unset it to generate one.")

    config.setdefault("SQLALCHEMY_TRACK_MODIFICATIONS", False)
    config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=30))
    config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(days=30))
    config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    config["RATELIMIT_ENABLED"] = validate_switch(
        "RATELIMIT_ENABLED", config.get("RATELIMIT_ENABLED", env.get("RATELIMIT_ENABLED", "on"))
    )
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    config.setdefault("MAX_CONTENT_LENGTH", 1024 * 1024)
    return config


def validate_unsubscribe_address(value: str) -> str:
    """An optional mailbox that reads unsubscribe requests (the mailto in List-Unsubscribe)."""
    value = (value or "").strip()
    if value and not re.fullmatch(r"[^@\s<>?&]+@[^@\s<>?&]+\.[^@\s<>?&]+", value):
        raise ConfigError(
            f"MAIL_UNSUBSCRIBE_ADDRESS must be a bare address such as unsubscribe@example.org "
            f"(or unset); got {value!r}."
        )
    return value


def ensure_writable_folder(path: Path, label: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"Cannot create the {label} {path}: {exc.strerror}.") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"The {label} {path} is not writable by this user.")


def validate_database_url(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"DATABASE_URL is not a database URL ({exc}). "
            "Use e.g. sqlite:////path/to/community.db or postgresql+psycopg://user@host/db."
        ) from exc
    if parsed.get_backend_name() not in SUPPORTED_DATABASES:
        raise ConfigError(
            f"DATABASE_URL uses '{parsed.get_backend_name()}'; supported: sqlite, postgresql."
        )
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        ensure_writable_folder(Path(parsed.database).resolve().parent, "database folder")
    return url


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


PREPARE_THRESHOLD = 5


def engine_options(url: str, pool_size: int = 5, max_overflow: int = 5) -> dict:
    """SQLite: a busy timeout. PostgreSQL: a small pool per worker process (gunicorn workers x
    (pool_size + max_overflow) must stay under the server's max_connections) and a bounded wait
    to connect. Connections are pinged as they leave the pool (`pool_pre_ping`, an empty query),
    so a restarted server costs no request; psycopg prepares a statement on its fifth run on a
    connection (`prepare_threshold`) and keeps the last hundred. Last in, first out: a request
    takes the warmest connection (its statements prepared), also when a search has just read on
    a second one beside the request's own."""
    if make_url(url).get_backend_name() == "sqlite":
        return {"connect_args": {"timeout": 5}}
    return {
        "pool_pre_ping": True,
        "pool_size": pool_size,
        "max_overflow": max_overflow,
        "pool_timeout": 10,
        "pool_recycle": 1800,
        "pool_use_lifo": True,
        "connect_args": {
            "connect_timeout": 5,
            "application_name": "aza-community",
            "prepare_threshold": PREPARE_THRESHOLD,
        },
    }


RATELIMIT_SCHEMES = ("memory", "redis", "rediss")


def validate_ratelimit_storage(uri: str) -> str:
    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    if scheme not in RATELIMIT_SCHEMES:
        raise ConfigError(
            "RATELIMIT_STORAGE_URI must be memory:// (one machine) or redis://host:port/db "
            f"(several machines); got {uri!r}."
        )
    if scheme != "memory":
        try:
            import redis  # noqa: F401
        except ImportError:
            raise ConfigError(
                "RATELIMIT_STORAGE_URI uses Redis, but the redis package is missing: "
                "pip install -e '.[postgres]'."
            ) from None
    return uri


SITE_URL_EXAMPLE = "e.g. https://community.example.org (or https://example.org/community)"


def validate_site_url(value: str | None) -> str:
    """The origin every emailed and canonical link starts with: http(s), a host, an optional
    port and path prefix; nothing else. Returned without a trailing slash, host in lower case;
    empty when unset (development only: gunicorn refuses to start without it)."""
    if not value:
        return ""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise ConfigError(f"SITE_URL has a bad port: {value!r}; {SITE_URL_EXAMPLE}.") from None
    problem = None
    if parts.scheme not in ("http", "https"):
        problem = "must start with http:// or https://"
    elif not parts.hostname or any(c.isspace() for c in parts.netloc):
        problem = "must name a host"
    elif parts.username is not None or parts.password is not None:
        problem = "must not contain a user name or password"
    elif parts.query or parts.fragment or "?" in value or "#" in value:
        problem = "must not have a query (?...) or fragment (#...)"
    if problem:
        raise ConfigError(f"SITE_URL {problem}; got {value!r} ({SITE_URL_EXAMPLE}).")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    origin = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
    return origin + parts.path.rstrip("/")


def validate_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
    return value


def validate_switch(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    switches = {"on": True, "1": True, "true": True, "off": False, "0": False, "false": False}
    if str(value).lower() not in switches:
        raise ConfigError(f"{name} must be on or off; got {value!r}.")
    return switches[str(value).lower()]


def validate_positive_int(name: str, value: object, minimum: int = 1) -> int:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number; got {value!r}.") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}; got {number}.")
    return number


def load_or_create_secret_key(instance: Path) -> str:
    """Read the key kept in the instance folder, creating it once (atomic across processes)."""
    path = instance / SECRET_KEY_FILE
    if not path.exists():
        fd, temp_name = tempfile.mkstemp(dir=instance, prefix=".secret-")
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temp_name, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temp_name)
    key = path.read_text().strip()
    if len(key) < 32:
        raise ConfigError(f"{path} is empty or too short; delete it to generate a new key.")
    return key
