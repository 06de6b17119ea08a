import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.config import ConfigError, build_config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_live_in_the_instance_folder(tmp_path):
    config = build_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'community.db'}"
    assert config["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")
    assert config["SEARCH_BACKEND"] == "whoosh"
    assert config["PORT"] == 5000


def test_environment_chooses_where_data_lives(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/elsewhere/site.db")
    monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("PORT", "8080")
    config = build_config(str(tmp_path / "instance"))
    assert config["SQLALCHEMY_DATABASE_URI"].endswith("/elsewhere/site.db")
    assert (tmp_path / "elsewhere").is_dir()
    assert config["SEARCH_INDEX_DIR"] == str(tmp_path / "idx")
    assert config["PORT"] == 8080


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "not a url", "DATABASE_URL is not a database URL"),
        ("DATABASE_URL", "mysql://u@h/db", "supported: sqlite, postgresql"),
        ("SEARCH_BACKEND", "elastic", "SEARCH_BACKEND must be one of whoosh, postgres"),
        ("PORT", "eighty", "PORT must be a whole number"),
        ("PORT", "0", "PORT must be at least 1"),
        ("SECRET_KEY", "short", "SECRET_KEY must be at least 32 characters"),
        ("FLAG_HIDE_THRESHOLD", "-2", "FLAG_HIDE_THRESHOLD must be at least 1"),
        ("SEARCH_BACKEND", "postgres", "DATABASE_URL is not PostgreSQL"),
        ("RATELIMIT_STORAGE_URI", "memcached://127.0.0.1", "memory:// .* or redis://"),
        ("RATELIMIT_STORAGE_URI", "redis-ish", "memory:// .* or redis://"),
        ("DB_POOL_SIZE", "0", "DB_POOL_SIZE must be at least 1"),
        ("DB_MAX_OVERFLOW", "many", "DB_MAX_OVERFLOW must be a whole number"),
        ("PAGE_CACHE_MAX_MB", "0", "PAGE_CACHE_MAX_MB must be at least 1"),
        ("PAGE_CACHE_MAX_MB", "8MB", "PAGE_CACHE_MAX_MB must be a whole number"),
    ],
)
def test_bad_settings_stop_start_up_with_a_clear_message(
    tmp_path, monkeypatch, name, value, message
):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        build_config(str(tmp_path))


def test_postgresql_gets_a_checked_bounded_pool_and_redis_is_accepted(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u:p@db.internal/community")
    monkeypatch.setenv("SEARCH_BACKEND", "postgres")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/0")
    monkeypatch.setenv("DB_POOL_SIZE", "8")
    config = build_config(str(tmp_path))
    options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    assert options["connect_args"]["prepare_threshold"] == 5
    assert (options["pool_size"], options["max_overflow"]) == (8, 5)
    assert options["connect_args"]["connect_timeout"] == 5
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0"


def test_an_instance_folder_that_cannot_be_created_stops_start_up(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="Cannot create the instance folder"):
        build_config(str(blocker / "instance"))


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = build_config(str(tmp_path))["SECRET_KEY"]
    second = build_config(str(tmp_path))["SECRET_KEY"]
    other = build_config(str(tmp_path / "other"))["SECRET_KEY"]
    assert first == second
    assert first != other
    assert len(first) >= 64
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".secret-")]


def test_a_truncated_secret_key_file_is_refused(tmp_path):
    (tmp_path / "secret_key").write_text("abc")
    with pytest.raises(ConfigError, match="delete it to generate a new key"):
        build_config(str(tmp_path))


def test_create_app_accepts_overrides(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "inst"),
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        }
    )
    assert app.config["TESTING"] is True
    assert app.instance_path == str(tmp_path / "inst")
    assert len(app.config["SECRET_KEY"]) >= 64


def test_the_command_line_reports_bad_configuration_without_a_traceback(tmp_path):
    env = {**os.environ, "DATABASE_URL": "oracle://nowhere/db"}
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run(
        [str(flask), "--app", "wsgi", "routes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Configuration error: DATABASE_URL uses 'oracle'" in result.stderr
    assert "Traceback" not in result.stderr
