"""Disk within bounds in hosted mode: the quota, the retention sweep and `.partial-` removal.

Runs are made in the store directly, with model files of chosen sizes and chosen ages: no
training, so these take well under a second.
"""

import json
import os
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import create_engine

from core.data.hacker_news import cache_dir, cached_story_ids
from core.data.upload_store import store_upload_record, upload_path
from core.data.uploads import MEGABYTE
from core.hosting import HostingSettings
from core.paths import curves_dir, data_dir, store_url
from core.runs.retention import (
    DiskQuotaExceeded,
    check_visitor_quota,
    remove_partial_files,
    sweep,
    visitor_disk_bytes,
)
from core.runs.schema import runs
from core.runs.store import RunStore

NOW = datetime.now(UTC)
KB = 1000


@pytest.fixture
def store():
    return RunStore(store_url())


def hosted(**settings) -> HostingSettings:
    return HostingSettings(hosted=True, **settings)


def make_run(store, *, days_old, visitor, model_bytes=0, dataset="digits", running=False):
    """A run started `days_old` days ago, finished with a model file of `model_bytes`."""
    run_id = store.create_run("text-classification", dataset, "logreg", {}, 0, {}, visitor)
    if not running:
        artifact = store.artifact_path(run_id, ".npz")
        artifact.parent.mkdir(parents=True, exist_ok=True)
        artifact.write_bytes(b"w" * model_bytes)
        store.finish(
            run_id,
            status="finished",
            metrics={},
            train_seconds=1.0,
            predict_ms=0.1,
            param_count=1,
            artifact_path=str(artifact),
            message="",
            y_true=np.array([0]),
            y_pred=np.array([0]),
        )
    started = (NOW - timedelta(days=days_old)).isoformat(timespec="seconds")
    engine = create_engine(store.url)
    with engine.begin() as connection:
        connection.execute(runs.update().where(runs.c.id == run_id).values(created_at=started))
    engine.dispose()
    return run_id


def make_upload(name, *, days_old, num_bytes):
    store_upload_record(name, {"filename": "f.csv", "padding": "x" * num_bytes})
    path = upload_path(name)
    when = (NOW - timedelta(days=days_old)).timestamp()
    os.utime(path, (when, when))
    return path


def make_curve(visitor, *, days_old):
    path = curves_dir(visitor) / f"{visitor or 'shared'}-{days_old}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    when = (NOW - timedelta(days=days_old)).timestamp()
    os.utime(path, (when, when))
    return path


def test_old_learning_curves_of_visitors_go_shared_and_recent_ones_stay(store):
    old, recent = make_curve("a" * 32, days_old=10), make_curve("b" * 32, days_old=1)
    shared = make_curve(None, days_old=30)
    summary = sweep(store, data_dir(), hosted(keep_days=7.0))
    assert not old.exists() and recent.exists() and shared.exists()
    assert summary.removed["curves"] == 1


def run_ids(store):
    return {run.id for run in store.list_runs()}


def folder_bytes():
    return sum(path.stat().st_size for path in data_dir().rglob("*") if path.is_file())


def test_partial_files_are_removed_and_nothing_else(store):
    upload = make_upload("upload-000000000001", days_old=0, num_bytes=10)
    partials = [
        upload.parent / ".partial-abc123.json",
        store.artifacts / ".partial-def456.keras",
        cache_dir() / ".partial-0a1b2c.json",
    ]
    for path in partials:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    assert sorted(remove_partial_files(data_dir())) == sorted(partials)
    assert not any(path.exists() for path in partials) and upload.exists()


def test_old_visitor_runs_and_uploads_go_shared_running_and_recent_ones_stay(store):
    old = make_run(store, days_old=10, visitor="a", model_bytes=3 * KB)
    old_running = make_run(store, days_old=10, visitor="a", running=True)
    reference = make_run(store, days_old=30, visitor=None, model_bytes=KB)
    recent = make_run(store, days_old=1, visitor="b", model_bytes=KB, dataset="upload-00000000000b")
    old_upload = make_upload("upload-00000000000a", days_old=10, num_bytes=2 * KB)
    # Uploaded 10 days ago, but trained on yesterday: still in use.
    used_upload = make_upload("upload-00000000000b", days_old=10, num_bytes=KB)
    old_model = store.get(old).artifact_path

    summary = sweep(store, data_dir(), hosted(keep_days=7.0))

    assert run_ids(store) == {old_running, reference, recent}
    assert not old_upload.exists() and used_upload.exists()
    assert not os.path.exists(old_model)
    assert (summary.removed["runs"], summary.removed["uploads"]) == (1, 1)
    assert 5 * KB <= summary.bytes_freed < 6 * KB and summary.bytes_over == 0


def test_over_the_cap_the_oldest_visitor_things_go_first(store):
    oldest_run = make_run(store, days_old=4, visitor="a", model_bytes=200 * KB)
    older_upload = make_upload("upload-00000000000c", days_old=3, num_bytes=200 * KB)
    newer_run = make_run(store, days_old=1, visitor="b", model_bytes=200 * KB)
    reference = make_run(store, days_old=30, visitor=None, model_bytes=200 * KB)
    running = make_run(store, days_old=5, visitor="a", running=True)
    cap_bytes = folder_bytes() - 300 * KB  # the oldest run alone does not free enough

    summary = sweep(store, data_dir(), hosted(disk_mb=cap_bytes / MEGABYTE, keep_days=7.0))

    assert run_ids(store) == {newer_run, reference, running}
    assert oldest_run not in run_ids(store) and not older_upload.exists()
    assert summary.removed["runs"] == summary.removed["uploads"] == 1
    assert summary.bytes_over == 0 and summary.bytes_freed > 400 * KB


def test_shared_runs_stay_even_when_the_folder_stays_over_the_cap(store):
    reference = make_run(store, days_old=30, visitor=None, model_bytes=100 * KB)
    visitor_run = make_run(store, days_old=1, visitor="a", model_bytes=100 * KB)

    summary = sweep(store, data_dir(), hosted(disk_mb=1 * KB / MEGABYTE))

    assert run_ids(store) == {reference}
    assert summary.bytes_over > 50 * KB
    assert "still" in summary.line() and "removed 1 runs" in summary.line()
    assert visitor_run not in run_ids(store)


def test_the_hacker_news_cache_is_trimmed_oldest_thread_first(store):
    cache_dir().mkdir(parents=True)
    for age, story_id in enumerate((300, 200, 100)):  # 300 the newest
        path = cache_dir() / f"{story_id}.json"
        path.write_text(json.dumps({"items": [], "padding": "x" * 40 * KB}))
        when = (NOW - timedelta(days=age)).timestamp()
        os.utime(path, (when, when))
    # A tenth of the cap holds two threads of about 40 KB, not three.
    summary = sweep(store, data_dir(), hosted(disk_mb=10 * 90 * KB / MEGABYTE))
    assert cached_story_ids() == {300, 200}
    assert summary.removed["threads"] == 1


def test_the_quota_counts_a_visitors_models_and_the_uploads_they_used(store):
    make_run(store, days_old=0, visitor="a", model_bytes=300 * KB, dataset="upload-00000000000d")
    make_run(store, days_old=0, visitor="b", model_bytes=900 * KB)
    upload = make_upload("upload-00000000000d", days_old=0, num_bytes=200 * KB)
    make_upload("upload-00000000000e", days_old=0, num_bytes=500 * KB)  # no run used it
    assert visitor_disk_bytes(store, "a") == 300 * KB + upload.stat().st_size


def test_a_visitor_over_the_quota_is_refused_with_the_sizes(store):
    make_run(store, days_old=0, visitor="a", model_bytes=int(1.5 * MEGABYTE))
    settings = hosted(visitor_disk_mb=1.0, keep_days=7.0)
    with pytest.raises(DiskQuotaExceeded) as refused:
        check_visitor_quota(store, "a", settings)
    assert str(refused.value) == (
        "Your runs and uploads take 1.5 MB of the 1 MB each visitor may keep on this shared "
        "server; wait for older ones to go: runs and uploads older than 7 days are removed."
    )
    check_visitor_quota(store, "b", settings)  # another visitor has room
    with pytest.raises(DiskQuotaExceeded, match=r"with this file would take 1\.2 MB of the 1 MB"):
        check_visitor_quota(store, "b", settings, adding_bytes=int(1.2 * MEGABYTE))
    check_visitor_quota(store, None, settings)  # the CLI and shared runs: no quota
    check_visitor_quota(store, "a", HostingSettings(visitor_disk_mb=1.0))  # not hosted
