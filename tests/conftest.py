"""Shared fixtures.

The database under test is SQLite by default; set TEST_DATABASE_URL to a
PostgreSQL server URL (any database on it, e.g. .../postgres) to run the same
tests on PostgreSQL. A template database is migrated and seeded once per run;
each test gets its own copy (file copy on SQLite, CREATE DATABASE ... TEMPLATE on
PostgreSQL), so tests are isolated and see the full demo seed.

Flask and SQLAlchemy are imported inside fixtures so that pure unit tests run
without the web stack.
"""
import os
import shutil
import uuid

import pytest

from tests.helpers import DEMO_PASSWORD, make_app, sign_in

TEMPLATE_DB = "procure_test_template"


def _admin_engine(server_url: str):
    from sqlalchemy import create_engine

    return create_engine(server_url, isolation_level="AUTOCOMMIT")


def _url_with_database(server_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _migrate_and_seed(database_url: str) -> None:
    import flask_migrate

    from procure.extensions import db
    from procure.seed import seed_all

    app = make_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
        seed_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    server_url = os.environ.get("TEST_DATABASE_URL")
    if server_url:
        from sqlalchemy import text

        engine = _admin_engine(server_url)
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{TEMPLATE_DB}"'))
        _migrate_and_seed(_url_with_database(server_url, TEMPLATE_DB))
        yield ("postgresql", server_url, engine)
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)'))
        engine.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        _migrate_and_seed(f"sqlite:///{path}")
        yield ("sqlite", str(path), None)


@pytest.fixture
def database_url(database_template, tmp_path):
    kind, source, engine = database_template
    if kind == "sqlite":
        target = tmp_path / "test.db"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
        return
    from sqlalchemy import text

    name = f"procure_t_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"'))
    yield _url_with_database(source, name)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    yield app
    app.extensions["jobs"].stop()  # its job threads end before its database goes
    from procure.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    def _login(email, password=DEMO_PASSWORD):
        response = sign_in(client, email, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


@pytest.fixture(scope="session")
def redis_url():
    """A private Redis for the run (tests.services.running_redis), flushed by each user."""
    from tests.services import running_redis

    with running_redis() as url:
        yield url
