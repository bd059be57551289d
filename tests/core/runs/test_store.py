"""The run store on both backends: SQLite (the embedded default) and a real PostgreSQL server."""

import multiprocessing
import socket
import sqlite3
import subprocess
import threading

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from core.paths import artifacts_dir
from core.runs.artifacts import ArtifactChanged, verified_artifact
from core.runs.schema import SCHEMA_VERSION
from core.runs.store import RunStore

# What seqlab wrote before the store moved to SQLAlchemy: version 1, and the column of version 2.
VERSION_1_DDL = """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        task TEXT NOT NULL,
        dataset TEXT NOT NULL,
        model TEXT NOT NULL,
        config TEXT NOT NULL,
        seed INTEGER NOT NULL,
        split TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'stopped', 'failed')),
        history TEXT NOT NULL DEFAULT '[]',
        metrics TEXT NOT NULL DEFAULT '{}',
        train_seconds REAL,
        predict_ms REAL,
        param_count INTEGER,
        artifact_path TEXT,
        message TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE INDEX runs_by_task_dataset ON runs (task, dataset);
    CREATE TABLE predictions (
        run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        y_true TEXT NOT NULL,
        y_pred TEXT NOT NULL
    );
"""
VERSION_2_DDL = "ALTER TABLE runs ADD COLUMN owner TEXT;"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url, tmp_path):
    return RunStore(store_url, artifacts=tmp_path / "artifacts")


def execute(url, statement, **parameters):
    """Run one statement behind the store's back, as another program would; rows if any."""
    engine = create_engine(url)
    with engine.begin() as connection:
        result = connection.execute(text(statement), parameters)
        rows = result.all() if result.returns_rows else None
    engine.dispose()
    return rows


def new_run(store, **overrides):
    fields = dict(
        task="sequence-classification",
        dataset="digits",
        model="lstm",
        config={"units": 8},
        seed=0,
        split={"test_fingerprint": "abc"},
    )
    return store.create_run(**{**fields, **overrides})


def finish_with_model(store, run_id):
    artifact = store.artifact_path(run_id, ".npz")
    artifact.parent.mkdir(parents=True, exist_ok=True)
    artifact.write_bytes(b"weights")
    store.finish(
        run_id,
        status="finished",
        metrics={"accuracy": 0.9},
        train_seconds=1.5,
        predict_ms=0.1,
        param_count=10,
        artifact_path=str(artifact),
        message="",
        y_true=np.array([1, 2]),
        y_pred=np.array([1, 0]),
    )
    return artifact


def test_schema_is_versioned(store, store_url):
    assert store.schema_version == SCHEMA_VERSION
    run_id = new_run(store)
    assert RunStore(store_url).get(run_id).status == "running"  # reopening migrates nothing
    assert execute(store_url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


def test_sqlite_stays_in_wal_mode(tmp_path):
    RunStore(tmp_path / "runs.sqlite3")
    with sqlite3.connect(tmp_path / "runs.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_every_sqlite_connection_syncs_each_commit_to_disk(tmp_path):
    engine = RunStore(tmp_path / "runs.sqlite3")._engine
    connections = [engine.raw_connection() for _ in range(2)]  # two from the pool at once
    for connection in connections:
        # 2 is FULL: in WAL mode the log is fsynced at every commit (NORMAL, 1, is not).
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2
        connection.close()


def test_a_newer_store_is_refused(store, store_url):
    execute(store_url, "UPDATE schema_version SET version = :version", version=SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError, match="newer than this seqlab"):
        RunStore(store_url)


def test_run_life_cycle(store):
    run_id = new_run(store)
    assert store.get(run_id).status == "running"
    store.append_epoch(run_id, {"epoch": 1, "loss": 0.5})
    store.append_epoch(run_id, {"epoch": 2, "loss": 0.25})
    artifact = finish_with_model(store, run_id)
    run = store.get(run_id)
    assert run.status == "finished" and run.metrics == {"accuracy": 0.9}
    assert [record["loss"] for record in run.history] == [0.5, 0.25]
    assert run.finished_at is not None and run.artifact_path == str(artifact)
    assert verified_artifact(run) == artifact
    y_true, y_pred = store.predictions(run_id)
    assert y_true.tolist() == [1, 2] and y_pred.tolist() == [1, 0]
    store.replace_history(run_id, [{"epoch": 1, "loss": 0.1}])
    assert store.get(run_id).history == [{"epoch": 1, "loss": 0.1}]


def test_a_changed_or_missing_model_file_is_refused(store):
    run_id = new_run(store)
    artifact = finish_with_model(store, run_id)
    artifact.write_bytes(b"weights of another model")
    with pytest.raises(ArtifactChanged, match=f"Run {run_id}'s model file .* is not the one"):
        verified_artifact(store.get(run_id))
    artifact.unlink()
    with pytest.raises(ArtifactChanged, match="missing"):
        verified_artifact(store.get(run_id))


def test_artifacts_go_where_configured(tmp_path, monkeypatch):
    assert artifacts_dir(tmp_path / "runs.sqlite3") == tmp_path / "artifacts"
    monkeypatch.setenv("SEQLAB_ARTIFACTS", f"file://{tmp_path}/shared")
    store = RunStore(tmp_path / "runs.sqlite3")
    assert store.artifact_path("r1", ".keras") == tmp_path / "shared" / "r1.keras"
    with pytest.raises(ValueError, match="mount the object store"):
        RunStore(tmp_path / "runs.sqlite3", artifacts="s3://bucket/models")


def test_listing_filters_and_orders_newest_first(store):
    first = new_run(store)
    second = new_run(store, dataset="mnist-5k")
    third = new_run(store)
    store.append_epoch(second, {"epoch": 1})
    assert [run.id for run in store.list_runs()] == [third, second, first]
    assert [run.id for run in store.list_runs(dataset="digits")] == [third, first]
    assert [run.history for run in store.list_runs(dataset="mnist-5k")] == [[{"epoch": 1}]]
    with pytest.raises(KeyError, match="No run"):
        store.get("missing")


def test_runs_without_a_model(store):
    run_id = new_run(store)
    store.close_without_model(run_id, status="failed", message="ValueError: boom")
    run = store.get(run_id)
    assert (run.status, run.message) == ("failed", "ValueError: boom")
    with pytest.raises(KeyError, match="no stored predictions"):
        store.predictions(run_id)
    with pytest.raises(ValueError):
        store.close_without_model(run_id, status="finished", message="")


def test_concurrent_epoch_writes_lose_nothing(store, store_url):
    run_id = new_run(store)

    def write(offset):
        writer = RunStore(store_url)
        for epoch in range(25):
            writer.append_epoch(run_id, {"epoch": offset + epoch})

    threads = [threading.Thread(target=write, args=(offset,)) for offset in (0, 100, 200, 300)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    epochs = sorted(record["epoch"] for record in store.get(run_id).history)
    assert epochs == sorted(offset + epoch for offset in (0, 100, 200, 300) for epoch in range(25))


def _write_runs(url, writer, start):
    """In a spawned process: open the store (migrating it, perhaps) and record five runs."""
    start.wait()
    store = RunStore(url)
    for number in range(5):
        run_id = new_run(store, model=f"writer-{writer}", seed=number)
        for epoch in range(1, 4):
            store.append_epoch(run_id, {"epoch": epoch})


def test_processes_sharing_a_new_database_migrate_once_and_see_every_run(store_url, tmp_path):
    """Two app replicas started at once on one empty database, then each writing runs."""
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    writers = [context.Process(target=_write_runs, args=(store_url, w, start)) for w in (0, 1)]
    for writer in writers:
        writer.start()
    start.set()
    for writer in writers:
        writer.join(60)
    assert [writer.exitcode for writer in writers] == [0, 0]
    runs = RunStore(store_url).list_runs()
    assert sorted((run.model, run.seed) for run in runs) == [
        (f"writer-{writer}", seed) for writer in (0, 1) for seed in range(5)
    ]
    assert all([record["epoch"] for record in run.history] == [1, 2, 3] for run in runs)
    assert execute(store_url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


def old_store(path, version):
    """A SQLite store as seqlab wrote it at `version` (1 or 2), with two runs."""
    with sqlite3.connect(path) as connection:
        connection.executescript(VERSION_1_DDL + (VERSION_2_DDL if version == 2 else ""))
        connection.execute(f"PRAGMA user_version = {version}")
        for run_id, history in (("old-b", '[{"epoch": 1}, {"epoch": 2}]'), ("old-a", "[]")):
            connection.execute(
                "INSERT INTO runs (id, task, dataset, model, config, seed, split, status, "
                "history, artifact_path, created_at) VALUES (?, 'sequence-classification', "
                "'digits', 'gru', '{\"units\": 8}', 0, '{}', 'finished', ?, '/m.keras', "
                "'2026-01-01T00:00:00+00:00')",
                (run_id, history),
            )
        connection.execute("INSERT INTO predictions VALUES ('old-b', '[1, 2]', '[1, 1]')")


def test_a_version_2_store_is_upgraded_in_place_and_keeps_its_runs(tmp_path):
    path = tmp_path / "runs.sqlite3"
    old_store(path, version=2)
    store = RunStore(path)
    assert store.schema_version == SCHEMA_VERSION
    newest = new_run(store)
    assert [run.id for run in store.list_runs()] == [newest, "old-a", "old-b"]
    old = store.get("old-b")
    assert old.history == [{"epoch": 1}, {"epoch": 2}] and old.config == {"units": 8}
    assert (old.artifact_path, old.artifact_sha256) == ("/m.keras", None)  # nothing to check
    assert [values.tolist() for values in store.predictions("old-b")] == [[1, 2], [1, 1]]
    with sqlite3.connect(path) as connection:  # an older seqlab now refuses the file
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_version_1_store_is_migrated_and_keeps_its_runs(tmp_path):
    old_store(tmp_path / "old.sqlite3", version=1)
    store = RunStore(tmp_path / "old.sqlite3")
    assert store.schema_version == SCHEMA_VERSION
    assert store.get("old-a").owner is None
    execute(store.url, "UPDATE runs SET status = 'running'")
    assert store.mark_abandoned() == 0  # no owner recorded: nothing to judge it by


def test_runs_of_a_dead_process_are_marked_abandoned(store, store_url):
    dead = subprocess.Popen(["true"])
    dead.wait()  # reaped: its pid no longer exists
    alive_run = new_run(store)
    dead_run = new_run(store)
    store.append_epoch(dead_run, {"epoch": 1, "loss": 0.5})
    owner = f"{socket.gethostname()}:{dead.pid}"
    execute(store_url, "UPDATE runs SET owner = :owner WHERE id = :id", owner=owner, id=dead_run)
    assert store.mark_abandoned() == 1
    assert store.get(alive_run).status == "running"  # owned by this test process, still alive
    abandoned = store.get(dead_run)
    assert abandoned.status == "failed" and f"pid {dead.pid}" in abandoned.message
    assert abandoned.history == [{"epoch": 1, "loss": 0.5}]


def test_a_version_3_store_gains_the_visitor_column_and_keeps_its_runs(store_url, tmp_path):
    RunStore(store_url, artifacts=tmp_path / "artifacts")
    execute(store_url, "ALTER TABLE runs DROP COLUMN visitor")  # as version 3 had it
    execute(store_url, "ALTER TABLE runs DROP COLUMN sweep")
    execute(store_url, "UPDATE schema_version SET version = 3")
    execute(
        store_url,
        "INSERT INTO runs (id, task, dataset, model, config, seed, split, status, created_at) "
        "VALUES ('v3-run', 'sequence-classification', 'digits', 'gru', '{}', 0, '{}', "
        "'finished', '2026-01-01T00:00:00+00:00')",
    )
    store = RunStore(store_url, artifacts=tmp_path / "artifacts")
    assert store.schema_version == SCHEMA_VERSION == 5
    assert store.get("v3-run").visitor is None  # shared: every visitor sees it
    assert [run.id for run in store.list_runs(visitor="a")] == ["v3-run"]


def test_a_version_4_store_gains_the_sweep_column_and_keeps_its_runs(store_url, tmp_path):
    RunStore(store_url, artifacts=tmp_path / "artifacts")
    execute(store_url, "ALTER TABLE runs DROP COLUMN sweep")  # as version 4 had it
    execute(store_url, "UPDATE schema_version SET version = 4")
    execute(
        store_url,
        "INSERT INTO runs (id, task, dataset, model, config, seed, split, status, created_at) "
        "VALUES ('v4-run', 'sequence-classification', 'digits', 'gru', '{}', 0, '{}', "
        "'finished', '2026-01-01T00:00:00+00:00')",
    )
    store = RunStore(store_url, artifacts=tmp_path / "artifacts")
    assert store.schema_version == SCHEMA_VERSION == 5
    assert store.get("v4-run").sweep is None
    assert [run.id for run in store.list_runs()] == ["v4-run"]


def test_tuning_trials_are_listed_only_when_asked_for(store):
    ordinary = new_run(store)
    trial = store.create_run("sequence-classification", "digits", "gru", {}, 0, {}, sweep="s1")
    other_sweep = store.create_run(
        "sequence-classification", "digits", "gru", {}, 0, {}, sweep="s2"
    )
    assert [run.id for run in store.list_runs()] == [ordinary]
    assert [run.id for run in store.list_runs(sweep="s1")] == [trial]
    assert [run.id for run in store.list_runs(trials=True)] == [other_sweep, trial, ordinary]
    assert store.get(trial).sweep == "s1"


def test_a_visitor_lists_their_own_runs_and_the_shared_ones(store):
    shared = new_run(store)
    mine = new_run(store, visitor="visitor-a")
    theirs = new_run(store, visitor="visitor-b")
    theirs_on_mnist = new_run(store, dataset="mnist-5k", visitor="visitor-b")
    assert [run.id for run in store.list_runs()] == [theirs_on_mnist, theirs, mine, shared]
    assert [run.id for run in store.list_runs(visitor="visitor-a")] == [mine, shared]
    assert [run.id for run in store.list_runs(dataset="digits", visitor="visitor-b")] == [
        theirs,
        shared,
    ]
    assert store.get(mine).visitor == "visitor-a" and store.get(shared).visitor is None


def test_deleting_a_run_removes_its_rows_and_model_files(store, store_url):
    kept, deleted = new_run(store), new_run(store)
    store.append_epoch(deleted, {"epoch": 1, "loss": 0.5})
    recorded = finish_with_model(store, deleted)
    unrecorded = store.artifact_path(deleted, ".keras")  # saved, then the process was killed
    unrecorded.write_bytes(b"model")
    kept_model = finish_with_model(store, kept)
    store.delete(deleted)
    assert [run.id for run in store.list_runs()] == [kept]
    assert not recorded.exists() and not unrecorded.exists() and kept_model.exists()
    assert execute(store_url, "SELECT count(*) FROM epochs WHERE run_id = :id", id=deleted) == [
        (0,)
    ]
    with pytest.raises(KeyError):
        store.predictions(deleted)
    with pytest.raises(KeyError):
        store.delete(deleted)


def test_a_running_run_is_not_deleted(store):
    running = new_run(store)
    with pytest.raises(ValueError, match="still running"):
        store.delete(running)
    assert store.get(running).status == "running"
