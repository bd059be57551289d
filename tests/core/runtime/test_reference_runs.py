"""Reference runs are shared with every visitor and trained only once per store."""

import pytest

from core.data import image_datasets
from core.paths import store_url
from core.runs.store import RunStore
from core.runtime import reference_runs
from core.task_names import SEQUENCE_CLASSIFICATION


def test_reference_runs_are_shared_trained_once_and_skip_what_cannot_load(monkeypatch):
    monkeypatch.setattr(
        reference_runs,
        "REFERENCE_RUNS",
        (
            (SEQUENCE_CLASSIFICATION, "digits", "logreg"),
            (SEQUENCE_CLASSIFICATION, "mnist", "logreg"),
        ),
    )
    monkeypatch.setenv("KERAS_HOME", "/nonexistent")  # mnist is then not cached here
    monkeypatch.setattr(image_datasets, "_host_reachable", lambda host, port: False)
    store = RunStore(store_url())
    lines = []
    [run] = reference_runs.ensure_reference_runs(store, lines.append)
    assert (run.dataset, run.status, run.visitor) == ("digits", "finished", None)
    assert run.metrics["accuracy"] == pytest.approx(0.9667, abs=0.001)  # README's figure
    assert lines[0].startswith("digits logreg: finished") and "skipped" in lines[1]
    assert reference_runs.ensure_reference_runs(store, lines.append) == []
    assert lines[2] == "digits logreg: already stored"
    assert [listed.id for listed in store.list_runs(visitor="anyone")] == [run.id]
