"""Every test gets its own empty data folder, so no test sees another's runs.

Run with `SEQLAB_DATABASE_URL` set to a PostgreSQL server, every test also gets a fresh
database there: the same tests then check the store on that server.
"""

import os
from contextlib import ExitStack

import pytest

from tests.postgres import running_server, throwaway_database

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The dashboard is hosted unless told otherwise (core.hosting.adopt); tests open it locally
# and turn hosted mode on where they test it. Servers the tests start inherit this.
os.environ.setdefault("SEQLAB_HOSTED", "0")
GIVEN_DATABASE = os.environ.get("SEQLAB_DATABASE_URL", "")


@pytest.fixture(autouse=True)
def data_folder(tmp_path, monkeypatch):
    folder = tmp_path / "seqlab-data"
    monkeypatch.setenv("SEQLAB_DATA_DIR", str(folder))
    with ExitStack() as stack:
        if GIVEN_DATABASE.startswith("postgresql"):
            database = stack.enter_context(throwaway_database(GIVEN_DATABASE))
            monkeypatch.setenv("SEQLAB_DATABASE_URL", database)
        yield folder


@pytest.fixture(scope="session")
def postgres_server():
    """The URL of a throwaway PostgreSQL server for this session (tests/postgres.py).

    Skips where none can be started; under SEQLAB_REQUIRE_POSTGRES (CI) that is a failure.
    """
    with ExitStack() as stack:
        try:
            server_url = stack.enter_context(running_server())
        except RuntimeError as error:
            if os.environ.get("SEQLAB_REQUIRE_POSTGRES"):
                pytest.fail(f"PostgreSQL is required here but cannot run: {error}")
            pytest.skip(f"no PostgreSQL server could be started: {error}")
        yield server_url


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the session's PostgreSQL server."""
    with throwaway_database(postgres_server) as url:
        yield url
