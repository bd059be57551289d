import socket
import sqlite3
import subprocess
import threading

import numpy as np
import pytest

from core.store import MIGRATIONS, RunStore


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs.sqlite3")


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


def test_schema_is_versioned_and_wal(store):
    assert store.schema_version == len(MIGRATIONS)
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    RunStore(store.path)  # opening again migrates nothing and keeps the data
    assert store.schema_version == len(MIGRATIONS)


def test_a_newer_store_is_refused(store):
    with sqlite3.connect(store.path) as connection:
        connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer than this seqlab"):
        RunStore(store.path)


def test_run_life_cycle(store):
    run_id = new_run(store)
    assert store.get(run_id).status == "running"
    store.append_epoch(run_id, {"epoch": 1, "loss": 0.5})
    store.append_epoch(run_id, {"epoch": 2, "loss": 0.25})
    store.finish(
        run_id,
        status="finished",
        metrics={"accuracy": 0.9},
        train_seconds=1.5,
        predict_ms=0.1,
        param_count=10,
        artifact_path="model.keras",
        message="",
        y_true=np.array([1, 2]),
        y_pred=np.array([1, 0]),
    )
    run = store.get(run_id)
    assert run.status == "finished" and run.metrics == {"accuracy": 0.9}
    assert [record["loss"] for record in run.history] == [0.5, 0.25]
    assert run.finished_at is not None
    y_true, y_pred = store.predictions(run_id)
    assert y_true.tolist() == [1, 2] and y_pred.tolist() == [1, 0]


def test_listing_filters_and_orders_newest_first(store):
    first = new_run(store)
    second = new_run(store, dataset="mnist-5k")
    third = new_run(store)
    assert [run.id for run in store.list_runs()] == [third, second, first]
    assert [run.id for run in store.list_runs(dataset="digits")] == [third, first]


def test_runs_without_a_model(store):
    run_id = new_run(store)
    store.close_without_model(run_id, status="failed", message="ValueError: boom")
    run = store.get(run_id)
    assert (run.status, run.message) == ("failed", "ValueError: boom")
    with pytest.raises(KeyError, match="no stored predictions"):
        store.predictions(run_id)
    with pytest.raises(ValueError):
        store.close_without_model(run_id, status="finished", message="")


def test_concurrent_epoch_writes_lose_nothing(store):
    run_id = new_run(store)

    def write(offset):
        for epoch in range(25):
            RunStore(store.path).append_epoch(run_id, {"epoch": offset + epoch})

    threads = [threading.Thread(target=write, args=(offset,)) for offset in (0, 100, 200, 300)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    epochs = sorted(record["epoch"] for record in store.get(run_id).history)
    assert epochs == sorted(offset + epoch for offset in (0, 100, 200, 300) for epoch in range(25))


def test_a_version_1_store_is_migrated_and_keeps_its_runs(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(MIGRATIONS[0])
        connection.execute("PRAGMA user_version = 1")
        connection.execute(
            "INSERT INTO runs (id, task, dataset, model, config, seed, split, status, created_at)"
            " VALUES ('old', 'sequence-classification', 'digits', 'gru', '{}', 0, '{}', "
            "'running', '2026-01-01T00:00:00+00:00')"
        )
    store = RunStore(path)
    assert store.schema_version == len(MIGRATIONS) == 2
    assert store.get("old").owner is None
    assert store.mark_abandoned() == 0  # no owner recorded: nothing to judge it by


def test_runs_of_a_dead_process_are_marked_abandoned(store):
    dead = subprocess.Popen(["true"])
    dead.wait()  # reaped: its pid no longer exists
    alive_run = new_run(store)
    dead_run = new_run(store)
    store.append_epoch(dead_run, {"epoch": 1, "loss": 0.5})
    with sqlite3.connect(store.path) as connection:
        owner = f"{socket.gethostname()}:{dead.pid}"
        connection.execute("UPDATE runs SET owner = ? WHERE id = ?", (owner, dead_run))
    assert store.mark_abandoned() == 1
    assert store.get(alive_run).status == "running"  # owned by this test process, still alive
    abandoned = store.get(dead_run)
    assert abandoned.status == "failed" and f"pid {dead.pid}" in abandoned.message
    assert abandoned.history == [{"epoch": 1, "loss": 0.5}]
