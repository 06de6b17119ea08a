import shutil

import pytest

from app import create_app
from app.extensions import db
from app.search import close_backend
from tests.conftest import empty_schema, on_postgres, test_config
from tests.migrating import upgrade


@pytest.fixture
def migrated_app(tmp_path):
    config = test_config(tmp_path)
    if on_postgres():
        empty_schema(config["DATABASE_URL"])
    app = create_app(config)
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        close_backend(app)
        db.engine.dispose()


def test_ready_when_everything_is_in_order(migrated_app):
    response = migrated_app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "search": "ok", "disk": "ok"},
    }


def test_not_ready_when_migrations_are_behind(app, client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "migrations not at head" in response.get_json()["checks"]["migrations"]


def test_not_ready_when_the_search_index_is_gone(migrated_app):
    client = migrated_app.test_client()
    assert client.get("/readyz").status_code == 200
    close_backend(migrated_app)
    if on_postgres():
        from app.search.postgres_backend import DOCUMENTS

        db.session.execute(db.text(f"DROP TABLE {DOCUMENTS}"))
        db.session.commit()
    else:
        shutil.rmtree(migrated_app.config["SEARCH_INDEX_DIR"])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "search index unusable" in response.get_json()["checks"]["search"]


def test_not_ready_when_the_database_fails_or_disk_is_full(migrated_app, monkeypatch):
    from app.main import readiness

    monkeypatch.setattr(readiness, "MIN_FREE_BYTES", 1 << 62)
    body = migrated_app.test_client().get("/readyz").get_json()
    assert "MB free" in body["checks"]["disk"]

    def broken(*args, **kwargs):
        raise OSError("disk I/O error")

    monkeypatch.setattr(readiness.db.session, "execute", broken)
    response = migrated_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "database unreachable: OSError"


def test_healthz_stays_trivial(app, client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
