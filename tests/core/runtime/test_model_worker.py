"""The shared model worker: calls and their errors, jobs run in it, networks used through it,
and a worker that dies takes nothing down with it."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from core.data.datasets import load_dataset
from core.errors import DatasetUnavailable, UserFacingError
from core.learn.tensors import inspect_tensor
from core.models.registry import model_spec
from core.paths import REPO_ROOT
from core.runs.store import RunStore
from core.runtime.curve_jobs import CurveJob
from core.runtime.jobs import TrainingJob
from core.runtime.model_worker import ModelWorker, RemoteModel, WorkerLost
from core.task_names import SEQUENCE_CLASSIFICATION, TEXT_PREDICTION
from core.tasks.registry import train
from core.tasks.text_prediction.keyboard import continue_text, suggest
from core.tasks.training import load_trained_model
from tests.core.helpers import tiny_config
from tests.core.runtime.test_curve_jobs import SETTINGS as CURVE
from tests.core.runtime.test_jobs import plan


@pytest.fixture
def worker():
    """One per test: a worker keeps the environment (the data folder) it was started in."""
    worker = ModelWorker()
    yield worker
    worker.close()


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs.sqlite3")


def _refuse(message: str):
    raise UserFacingError(message)


def _unavailable(message: str):
    raise DatasetUnavailable(message)


def _divide(a, b):
    return a / b


def _wait_forever():
    threading.Event().wait()


def test_a_call_runs_in_the_worker_and_its_errors_come_back_as_messages(worker):
    report = worker.call(inspect_tensor, np.array([[1, 2], [3, 4]]))
    assert (report.rank, report.shape, report.dtype) == (2, (2, 2), "int32")
    assert worker.call(os.getpid) == worker.pid != os.getpid()
    with pytest.raises(UserFacingError, match="no such corpus"):
        worker.call(_refuse, "no such corpus")
    with pytest.raises(UserFacingError, match="not cached"):  # a kind of one, shown as one
        worker.call(_unavailable, "MNIST is not cached")
    with pytest.raises(ValueError, match="invalid literal"):
        worker.call(int, "seven")
    with pytest.raises(RuntimeError, match="ZeroDivisionError: division by zero"):
        worker.call(_divide, 1, 0)


def test_a_training_job_in_the_worker_records_runs_whose_networks_answer_there(worker, store):
    job = TrainingJob(
        SEQUENCE_CLASSIFICATION, "digits", plan("logreg", "gru"), 0, store, worker=worker
    )
    assert job.start().wait(300)
    logreg, gru = job.items
    assert (logreg.status, gru.status) == ("finished", "finished")
    assert [record["epoch"] for record in gru.history] == [1, 2]  # events arrived
    run = store.get(gru.run_id)
    images = load_dataset("digits").inputs[:5]
    remote = RemoteModel(run, worker).predict_proba(images)
    np.testing.assert_allclose(remote, load_trained_model(run).predict_proba(images), atol=1e-6)


def test_a_stop_reaches_a_job_in_the_worker_and_a_stop_before_start_skips_it(worker, store):
    skipped = TrainingJob(SEQUENCE_CLASSIFICATION, "digits", plan("lstm"), 0, store, worker=worker)
    skipped.request_stop()
    assert skipped.start().wait(60)
    assert skipped.items[0].status == "skipped"

    curve = CurveJob(CURVE, worker=worker).start()
    while not curve.points:  # stopped once its first point is in
        assert not curve.wait(0.2), curve.error
    curve.request_stop()
    assert curve.wait(300)
    assert 1 <= len(curve.curve.points) < 4 and not curve.curve.complete


def test_a_worker_that_dies_fails_its_calls_and_jobs_and_the_next_call_starts_another(store):
    worker = ModelWorker()
    try:
        first = worker.call(os.getpid)
        job = TrainingJob(
            SEQUENCE_CLASSIFICATION, "digits", plan("lstm", epochs=500), 0, store, worker=worker
        ).start()
        waiting = []
        caller = threading.Thread(
            target=lambda: waiting.append(_caught(worker.call, _wait_forever))
        )
        caller.start()
        while not job.items[0].history and not job.done:  # the job is under way
            job.wait(0.5)
        os.kill(first, signal.SIGKILL)
        assert job.wait(60)
        assert job.items[0].status == "failed" and "ended unexpectedly" in job.items[0].message
        caller.join(60)
        assert isinstance(waiting[0], WorkerLost) and "ended unexpectedly" in str(waiting[0])
        assert worker.call(os.getpid) not in (first, None)
    finally:
        worker.close()


def test_the_worker_ends_when_its_app_is_killed():
    """A killed app sends no "quit"; its worker must not live on holding TensorFlow."""
    app = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, time\n"
            "from core.runtime.model_worker import ModelWorker\n"
            "print(ModelWorker().call(os.getpid), flush=True)\n"
            "time.sleep(600)\n",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        worker = int(app.stdout.readline())
        assert _alive(worker)
    finally:
        app.kill()
        app.wait()
    deadline = time.monotonic() + 30
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(worker):
        os.kill(worker, signal.SIGKILL)  # not left behind by a failing run
        pytest.fail("the worker outlived its killed app by 30 s")


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, ended but not yet reaped by init, is not running)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _caught(function, *args):
    try:
        function(*args)
    except Exception as error:
        return error


def test_the_keyboard_asks_a_network_in_the_worker_what_it_would_ask_it_here(worker, store):
    spec = model_spec(TEXT_PREDICTION, "word-lstm")
    run = train(TEXT_PREDICTION, "hamlet", "word-lstm", store=store, config=tiny_config(spec)).run
    remote, local = RemoteModel(run, worker), load_trained_model(run)
    for typed in ("to be or not to ", "the ki"):
        here, there = suggest(local, typed, 3), remote.apply(suggest, typed, 3)
        assert there.words == here.words and there.prefix == here.prefix
        np.testing.assert_allclose(there.probabilities, here.probabilities, rtol=1e-5)
    assert remote.apply(continue_text, "my lord", 5, 1.0, 10, 3) == continue_text(
        local, "my lord", 5, 1.0, 10, seed=3
    )
