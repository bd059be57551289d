"""Background training in a spawned process: events arrive, stop works, a crash is reported."""

import queue
import threading

import pytest

from core.data.datasets import load_dataset
from core.models.registry import model_spec
from core.runs.store import RunStore
from core.runtime.jobs import TrainingJob, _train_queue
from core.task_names import SEQUENCE_CLASSIFICATION
from core.tasks import classification
from tests.core.helpers import tiny_config


def plan(*names, **settings):
    specs = [model_spec(SEQUENCE_CLASSIFICATION, name) for name in names]
    return [(spec, tiny_config(spec, **settings)) for spec in specs]


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs.sqlite3")


def test_a_job_trains_every_model_and_reports_progress(store):
    job = TrainingJob(
        SEQUENCE_CLASSIFICATION, "digits", plan("logreg", "gru"), 0, store, visitor="visitor-a"
    )
    assert job.start().wait(300)
    logreg, gru = job.items
    assert (logreg.status, gru.status) == ("finished", "finished")
    assert len(gru.history) == 2 and gru.total_epochs == 2 and gru.fraction_done == 1.0
    assert {run.id for run in store.list_runs(visitor="visitor-a")} == {logreg.run_id, gru.run_id}
    assert store.list_runs(visitor="visitor-b") == []  # the runs belong to the visitor
    assert [record["epoch"] for record in store.get(gru.run_id).history] == [1, 2]


def test_stop_before_start_skips_every_model_and_stores_nothing(store):
    job = TrainingJob(SEQUENCE_CLASSIFICATION, "digits", plan("logreg", "lstm"), 0, store)
    job.request_stop()
    assert job.start().wait(300)
    assert [item.status for item in job.items] == ["skipped", "skipped"]
    assert store.list_runs() == []


def test_a_killed_training_process_is_reported_not_hung(store):
    job = TrainingJob(SEQUENCE_CLASSIFICATION, "digits", plan("lstm", epochs=500), 0, store).start()
    job._process.kill()
    assert job.wait(60)
    [item] = job.items
    assert item.status == "failed" and "ended unexpectedly" in item.message


def test_a_job_cancelled_before_it_started_is_done_with_every_model_skipped(store):
    job = TrainingJob(SEQUENCE_CLASSIFICATION, "digits", plan("logreg", "lstm"), 0, store)
    assert not job.done
    job.cancel("Not started: it left the queue.")
    assert (
        job.done
        and [(item.status, item.message) for item in job.items]
        == [("skipped", "Not started: it left the queue.")] * 2
    )
    assert store.list_runs() == []


def test_a_stop_asked_for_while_the_data_loads_ends_the_run_stopped_before_training(
    store, monkeypatch
):
    """The data cannot be interrupted while it loads; the stop is honoured right after, before
    the model is built or trained. Run here, in this process: a baseline needs no TensorFlow."""
    stop, events = threading.Event(), queue.SimpleQueue()

    def load_then_stop(name):
        stop.set()  # the visitor presses Stop (or a deadline passes) during the load
        return load_dataset(name)

    monkeypatch.setattr(classification, "load_dataset", load_then_stop)
    _train_queue(
        SEQUENCE_CLASSIFICATION,
        "digits",
        [("logreg", None), ("logreg", None)],  # baselines: no TensorFlow here
        0,
        (store.url, str(store.artifacts)),
        "default",
        None,
        events,
        stop,
    )
    received = []
    while not events.empty():
        received.append(events.get())
    ends = [event for event in received if event[0] == "end"]
    assert [event[2] for event in ends] == ["stopped", "skipped"]
    assert ends[0][3] == (
        "Stopped while the data was loading. Nothing was trained, so there is no model to evaluate."
    )
    assert not any(event[0] in ("begin", "batch", "epoch") for event in received)
    [run] = store.list_runs()
    assert (run.status, run.history, run.artifact_path) == ("stopped", [], None)
