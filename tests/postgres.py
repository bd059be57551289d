"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl on a free loopback port.

The server comes from Debian's `postgresql` package (`.ci/run` installs it); its cluster lives
in a temporary folder, removed when the server stops. Each test gets a database of its own.
PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import make_url

USER = "seqlab"


def _bin_dir() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, else the newest under /usr/lib/postgresql."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    installed = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    newest = max(installed, key=lambda path: int(Path(path).parts[4]), default=None)
    return Path(newest).parent if newest else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_account() -> dict:
    """subprocess arguments that run the server as `postgres` when we are root; else none."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("running as root, with no postgres user to run the server") from None
    return {"user": account.pw_uid, "group": account.pw_gid}


@contextmanager
def running_server() -> Iterator[str]:
    """Start a server for the block and give its URL; RuntimeError says why it cannot start."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian's postgresql package)")
    account = _server_account()
    folder = Path(tempfile.mkdtemp(prefix="seqlab-postgres-"))
    if account:
        os.chown(folder, account["user"], account["group"])
    cluster, log, port = folder / "cluster", folder / "server.log", _free_port()
    # A loopback port and no Unix socket; no fsync, since the data is thrown away anyway.
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' -c fsync=off"
    try:
        for command in (
            ["initdb", "-D", cluster, "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync"],
            ["pg_ctl", "-D", cluster, "-o", options, "-l", log, "-w", "start"],
        ):
            subprocess.run(
                [bin_dir / command[0], *command[1:]], check=True, capture_output=True, **account
            )
    except subprocess.CalledProcessError as error:
        detail = error.stderr.decode() + (log.read_text() if log.exists() else "")
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {detail.strip()}") from error
    try:
        yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [bin_dir / "pg_ctl", "-D", cluster, "-m", "immediate", "-w", "stop"],
            capture_output=True,
            **account,
        )
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    """A new empty database on the server of `server_url`, dropped (with its connections) after."""
    url = make_url(server_url)
    name = f"test_{uuid.uuid4().hex[:12]}"
    maintenance = url.set(drivername="postgresql", database="postgres")
    conninfo = maintenance.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE {name} WITH (FORCE)")
