"""Training under a tf.distribute strategy, through the CLI in a subprocess each: logical
devices must be configured, and a cluster joined, before TensorFlow starts, which only a
fresh process allows. Two workers of a cluster run as two local processes on loopback ports."""

import json
import os
import signal
import socket
import subprocess
import sys

import pytest

from core.paths import REPO_ROOT, store_url
from core.runs.store import RunStore

DIGITS_LSTM = ("train", "sequence-classification", "digits", "lstm", "--epochs", "2")
CLI = [sys.executable, "-m", "core"]


def run_cli(*arguments, **environment):
    return subprocess.run(
        [*CLI, *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **environment},
    )


@pytest.fixture(scope="module")
def single_device_run() -> dict:
    result = run_cli(*DIGITS_LSTM, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for each in sockets:
        each.bind(("127.0.0.1", 0))
    ports = [each.getsockname()[1] for each in sockets]
    for each in sockets:
        each.close()
    return ports


def _cluster_config(ports: list[int], index: int) -> str:
    workers = [f"localhost:{port}" for port in ports]
    return json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})


def start_workers(*arguments) -> list[subprocess.Popen]:
    """Two CLI processes forming one cluster: worker 0 (the chief) and worker 1."""
    ports = _free_ports(2)
    return [
        subprocess.Popen(
            [*CLI, *arguments, "--strategy", "multi-worker", "--json"],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TF_CONFIG": _cluster_config(ports, index)},
        )
        for index in range(2)
    ]


def finish(workers: list[subprocess.Popen]) -> list[dict]:
    """Each worker's JSON summary, once all exited 0 (killed after 10 minutes otherwise)."""
    summaries = []
    for worker in workers:
        try:
            out, err = worker.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            for each in workers:
                each.kill()  # SIGKILL: TensorFlow's preemption notifier catches SIGTERM
            raise
        assert worker.returncode == 0, err
        summaries.append(json.loads(out))
    return summaries


def test_mirrored_on_two_logical_cpus_matches_the_single_device_run(single_device_run):
    mirrored = run_cli(*DIGITS_LSTM, "--strategy", "mirrored", "--json", SEQLAB_LOGICAL_CPUS="2")
    assert mirrored.returncode == 0, mirrored.stderr
    single, mirrored = single_device_run, json.loads(mirrored.stdout)
    assert single["split"]["strategy"] == "default"
    assert single["split"]["devices"] == ["/device:CPU:0"]
    assert mirrored["split"]["strategy"] == "mirrored"
    assert mirrored["split"]["devices"] == ["/device:CPU:0", "/device:CPU:1"]
    # Same data, seed and global batch; only the summation order and the shuffle differ, so
    # "within noise": both learn (0.79 and 0.81 measured after 2 epochs) and differ by less
    # than the 95% interval's half-width on 360 test digits (about 0.04), with some margin.
    accuracies = single["metrics"]["accuracy"], mirrored["metrics"]["accuracy"]
    assert min(accuracies) > 0.7
    assert abs(accuracies[0] - accuracies[1]) < 0.05


def test_mirrored_on_one_device_is_refused_clearly():
    result = run_cli(*DIGITS_LSTM, "--strategy", "mirrored", SEQLAB_LOGICAL_CPUS="")
    assert result.returncode == 2
    assert "needs more than one device, and only /device:CPU:0 exists" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_tagger_trains_mirrored_on_text_input_in_batch_passes():
    """Text input and sparse embedding gradients across devices: Keras's own first-batch
    build averaged the tokens ("AddN of string"), and the passes' sparse rows must
    all-reduce."""
    tagger = ("train", "sequence-labelling", "segmentation:lee", "bilstm", "--epochs", "1")
    result = run_cli(
        *tagger, "--set", "batch_passes=2", "--strategy", "mirrored", "--json",
        SEQLAB_LOGICAL_CPUS="2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    assert run["split"]["devices"] == ["/device:CPU:0", "/device:CPU:1"]
    assert run["config"]["batch_passes"] == 2
    # One epoch on one device: 0.33 (0.32 mirrored); a tagger that learned nothing, 0.
    assert run["metrics"]["boundary_f1"] > 0.2


def test_multi_worker_refuses_a_missing_or_broken_tf_config_clearly():
    missing = run_cli(*DIGITS_LSTM, "--strategy", "multi-worker", TF_CONFIG="")
    assert missing.returncode == 2 and "needs TF_CONFIG describing the cluster" in missing.stderr
    broken = run_cli(*DIGITS_LSTM, "--strategy", "multi-worker", TF_CONFIG='{"cluster": {}}')
    assert broken.returncode == 2 and "no 'task' entry" in broken.stderr
    for result in (missing, broken):
        assert "Traceback" not in result.stderr


def test_two_local_workers_train_in_step_and_the_chief_records_the_run(single_device_run):
    chief, other = finish(start_workers(*DIGITS_LSTM))
    assert chief["split"]["strategy"] == "multi-worker"
    assert chief["split"]["devices"] == ["/job:worker/replica:0/task:0/device:CPU:0"]
    assert other["split"]["devices"] == ["/job:worker/replica:0/task:1/device:CPU:0"]
    assert len(chief["split"]["workers"]) == 2
    # All-reduced gradients keep the two copies identical, so both score the same, and
    # within noise of one device (see the mirrored test for the margin).
    assert chief["metrics"]["accuracy"] == other["metrics"]["accuracy"]
    assert chief["metrics"]["accuracy"] > 0.7
    assert abs(chief["metrics"]["accuracy"] - single_device_run["metrics"]["accuracy"]) < 0.05
    stored = RunStore(store_url()).list_runs()
    assert [run.id for run in stored] == [chief["run_id"]]  # the other worker records nothing


def test_a_stop_on_the_chief_stops_every_worker_with_a_usable_model():
    workers = start_workers(*DIGITS_LSTM[:-1], "20")
    chief = workers[0]
    for line in chief.stderr:  # the console progress: one line per epoch
        if line.startswith("epoch 1:"):
            break
    chief.send_signal(signal.SIGINT)  # as Ctrl-C in a terminal
    chief_summary, other_summary = finish(workers)
    for summary in (chief_summary, other_summary):
        assert summary["status"] == "stopped"
        assert summary["metrics"]["accuracy"] > 0.5  # a partial model, scored on held-out data
    assert chief_summary["epochs"] == other_summary["epochs"]  # they left at the same step
