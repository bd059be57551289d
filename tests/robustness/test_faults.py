"""Faults: CLI training runs killed with SIGKILL at seeded random moments, and a model file
killed half-written.

After the kills the SQLite store must pass `PRAGMA integrity_check`, every killed run must be
closed as abandoned at the next start, and the runs finished before must be unchanged, with
model files that pass their checksum, load (Keras in safe mode) and predict what they
predicted when they were stored.
"""

import hashlib
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from core.models.protocol import Estimator
from core.models.registry import MODELS
from core.paths import REPO_ROOT, store_path, store_url
from core.runs.store import RunStore
from tests.robustness.report import record

KILLS = 5  # the first during start-up, the others once the run is recorded
SEED = 8  # the kill moments come from random.Random(SEED)
DIGITS = ["sequence-classification", "digits"]


def cli(*arguments: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "core", *arguments],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def finished_run(*arguments: str) -> str:
    training = cli("train", *DIGITS, *arguments, "--json", "--quiet")
    output, _ = training.communicate(timeout=300)
    assert training.returncode == 0
    return output


def integrity() -> str:
    with sqlite3.connect(store_path()) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def kill_at_random(store: RunStore, moment: random.Random, during_start_up: bool) -> dict:
    """Start a long baseline run and SIGKILL it after a random delay: from its start (while it
    imports and loads data), or from when its run is recorded (while it trains, saves its
    model file or closes the run). Returns where the kill landed."""
    known = {run.id for run in store.list_runs()}
    training = cli("train", *DIGITS, "logreg", "--epochs", "600", "--json", "--quiet")
    if not during_start_up:
        deadline = time.monotonic() + 60
        while not {run.id for run in store.list_runs()} - known and time.monotonic() < deadline:
            time.sleep(0.05)
    delay = moment.uniform(0.1, 1.0) if during_start_up else moment.uniform(0.0, 1.2)
    time.sleep(delay)
    training.send_signal(signal.SIGKILL)
    training.communicate()
    [created] = [run.id for run in store.list_runs() if run.id not in known] or [None]
    return {"from": "start" if during_start_up else "run recorded", "delay": delay, "run": created}


def test_kill_9_during_cli_training_loses_nothing_that_was_finished():
    from core.tasks.registry import task
    from core.tasks.training import load_trained_model

    earlier = [finished_run("logreg", "--epochs", "5"), finished_run("rnn", "--epochs", "1")]
    store = RunStore(store_url())
    before = {run.id: run for run in store.list_runs()}
    assert [run.status for run in before.values()] == ["finished", "finished"], earlier

    moment = random.Random(SEED)
    kills = [kill_at_random(store, moment, during_start_up=index == 0) for index in range(KILLS)]
    assert integrity() == "ok"
    assert any(kill["run"] for kill in kills)  # some kills landed after the run was recorded

    # The next start (here `runs`, as the dashboard's listing does) closes what was killed.
    listing = cli("runs", "--json")
    listing.communicate(timeout=120)
    assert listing.returncode == 0
    after = {run.id: run for run in store.list_runs()}
    assert integrity() == "ok"
    assert not [run for run in after.values() if run.status == "running"]
    killed = [after[kill["run"]] for kill in kills if kill["run"]]
    for run in killed:
        assert run.status == "finished" or (
            run.status == "failed" and run.message.startswith("Abandoned")
        ), (run.status, run.message)
    assert any(run.status == "failed" for run in killed)  # a run was killed part-way

    data = task(DIGITS[0]).path.prepare(DIGITS[1], 0)
    inputs = data.data.inputs[data.split.test]
    for run_id, run in before.items():
        kept = after[run_id]
        assert (kept.status, kept.metrics, kept.artifact_sha256) == (
            run.status,
            run.metrics,
            run.artifact_sha256,
        )
        model = load_trained_model(kept)  # checks the sha256 first; Keras in safe mode
        _, stored_predictions = store.predictions(run_id)
        assert np.array_equal(model.predict(inputs), stored_predictions), run.model

    partial = sorted(path.name for path in store_path().parent.joinpath("artifacts").iterdir())
    record(
        "faults.kill_9_cli_training",
        {
            "kills": KILLS,
            "seed": SEED,
            "killed_after_run_recorded": sum(kill["run"] is not None for kill in kills),
            "kill_delays_seconds": [f"{kill['delay']:.2f} from {kill['from']}" for kill in kills],
            "killed_runs_closed_as_abandoned": sum(run.status == "failed" for run in killed),
            "killed_runs_that_had_finished": sum(run.status == "finished" for run in killed),
            "earlier_runs_intact_and_loading": len(before),
            "integrity_check": integrity(),
            "temporary_files_left": sum(name.startswith(".partial-") for name in partial),
        },
    )


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from core.files import write_atomically

    def slowly(target):
        with open(target, "wb") as stream:
            stream.write(b"new" * 100_000)
            stream.flush()
            print("half-written", flush=True)
            time.sleep(60)

    write_atomically(Path(sys.argv[1]), slowly)
    """
)


def test_a_model_file_killed_half_written_leaves_the_previous_file_whole(tmp_path):
    model_file = tmp_path / "artifacts" / "run.keras"
    model_file.parent.mkdir()
    model_file.write_bytes(b"old model")
    checksum = hashlib.sha256(model_file.read_bytes()).hexdigest()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(model_file)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "half-written"
    writer.send_signal(signal.SIGKILL)
    writer.communicate()
    assert hashlib.sha256(model_file.read_bytes()).hexdigest() == checksum
    [leftover] = [path for path in model_file.parent.iterdir() if path != model_file]
    assert leftover.name.startswith(".partial-")  # the half-written file never took its place


class _HalfWriter(Estimator):
    """Writes part of its file, then fails, as a full disk or a crash inside Keras would."""

    artifact_suffix = ".keras"

    def count_params(self) -> int:
        return 0

    def _write(self, path):
        path.write_bytes(b"half a model")
        raise OSError("No space left on device")

    def _read(self, path):
        raise NotImplementedError


def test_every_model_saves_through_the_atomic_write_and_a_failed_write_leaves_nothing(tmp_path):
    # The perceptron has no `save`: core/tasks/regression.py writes its weights through the
    # same write_atomically.
    classes = {spec.estimator_class for spec in MODELS.values()}
    assert [
        cls for cls in classes if getattr(cls, "save", Estimator.save) is not Estimator.save
    ] == []
    target = tmp_path / "artifacts" / "run.keras"
    with pytest.raises(OSError, match="No space"):
        _HalfWriter().save(target)
    assert list(target.parent.iterdir()) == []  # neither the model nor its temporary file
