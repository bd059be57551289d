"""A run taken away: its JSON, a command that trains it again, and its model file in a zip."""

import io
import json
import shlex
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from core.__main__ import build_parser
from core.data.datasets import load_dataset
from core.models.registry import model_spec
from core.paths import REPO_ROOT, store_url
from core.runs.artifacts import ArtifactChanged
from core.runs.store import RunRecord, RunStore
from core.tasks.registry import train
from core.tasks.regression import split_settings
from core.tasks.run_export import (
    NotReproducible,
    export_bundle,
    load_exported,
    reproduce_arguments,
    reproduce_command,
    run_document,
)
from core.tasks.training import load_trained_model

TASK = "sequence-classification"


def trained(model: str, seed: int, **settings) -> RunRecord:
    config = model_spec(TASK, model).config_with(settings)
    return train(TASK, "digits", model, store=RunStore(store_url()), config=config, seed=seed).run


def run_again(command: str) -> dict:
    """Execute a reproduce command as a user would paste it, with --json to read the run."""
    program, *arguments = shlex.split(command)
    assert program == "python"
    result = subprocess.run(
        [sys.executable, *arguments, "--json", "--quiet"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_command_trains_the_same_baseline_again_to_the_same_numbers():
    run = trained("logreg", seed=3, inverse_regularization=0.5, epochs=2)
    command = reproduce_command(run)
    assert command == (
        "python -m core train sequence-classification digits logreg --seed 3 "
        "--set inverse_regularization=0.5 --set epochs=2"
    )
    again = run_again(command)
    assert again["run_id"] != run.id
    assert (again["task"], again["dataset"], again["model"], again["seed"]) == (
        TASK,
        "digits",
        "logreg",
        3,
    )
    assert again["config"] == run.config and again["split"] == run.split
    assert again["metrics"]["confusion_matrix"] == run.metrics["confusion_matrix"]
    assert again["metrics"]["accuracy"] == run.metrics["accuracy"]


def test_the_command_trains_a_recurrent_net_with_the_same_settings():
    run = trained(
        "gru", seed=1, units=8, epochs=1, bidirectional=True, learning_rate=0.0025, layers=1
    )
    command = reproduce_command(run)
    assert "--set bidirectional=true" in command and "--set learning_rate=0.0025" in command
    again = run_again(command)
    assert again["config"] == run.config and again["seed"] == 1 and again["model"] == "gru"
    assert again["status"] == "finished"


def test_perceptron_settings_go_back_to_data_and_training():
    record = RunRecord(
        id="r",
        task="regression",
        dataset="synthetic",
        model="perceptron",
        config={
            "points": 100,
            "slopes": "2,-1",
            "intercept": 0.5,
            "noise": 1.0,
            "learning_rate": 0.01,
            "epochs": 1000,
            "optimizer": "adam",
            "loss": "l2",
        },
        seed=2,
        split={},
        status="finished",
        history=[],
        metrics={},
        train_seconds=None,
        predict_ms=None,
        param_count=None,
        artifact_path=None,
        message="",
        created_at="",
        finished_at=None,
        owner=None,
        artifact_sha256=None,
    )
    arguments = build_parser().parse_args(reproduce_arguments(record))
    assert (arguments.task, arguments.dataset, arguments.model, arguments.seed) == (
        "regression",
        "synthetic",
        "perceptron",
        2,
    )
    data, training = split_settings(dict(pair.split("=", 1) for pair in arguments.set))
    assert (data.slopes, data.intercept) == ("2,-1", 0.5)
    assert (training.learning_rate, training.optimizer) == (0.01, "adam")


def test_the_bundle_holds_the_json_the_command_and_a_model_that_loads(tmp_path):
    run = trained("logreg", seed=0, epochs=2)
    bundle = zipfile.ZipFile(io.BytesIO(export_bundle(run)))
    model_file = f"{run.id}.npz"
    assert sorted(bundle.namelist()) == sorted(
        [model_file, "run.json", "reproduce.sh", "README.txt"]
    )
    document = json.loads(bundle.read("run.json"))
    assert document == json.loads(json.dumps(run_document(run)))
    assert document["config"] == run.config and document["metrics"] == run.metrics
    assert [record["epoch"] for record in document["history"]] == [1, 2]
    assert reproduce_command(run) in bundle.read("reproduce.sh").decode()
    assert "load_exported" in bundle.read("README.txt").decode()

    bundle.extractall(tmp_path)
    model = load_exported(tmp_path / model_file, tmp_path / "run.json")
    inputs = load_dataset("digits").inputs[:100]
    stored = load_trained_model(RunStore(store_url()).get(run.id))
    assert np.array_equal(model.predict(inputs), stored.predict(inputs))
    assert np.allclose(model.predict_proba(inputs), stored.predict_proba(inputs))


def test_a_changed_model_file_is_refused(tmp_path):
    run = trained("logreg", seed=0, epochs=1)
    zipfile.ZipFile(io.BytesIO(export_bundle(run))).extractall(tmp_path)
    model_file = tmp_path / f"{run.id}.npz"
    model_file.write_bytes(model_file.read_bytes() + b"\0")
    with pytest.raises(ArtifactChanged, match="sha256 differs"):
        load_exported(model_file, tmp_path / "run.json")


def test_a_run_without_a_model_exports_its_record_and_says_so():
    store = RunStore(store_url())
    run_id = store.create_run(TASK, "digits", "lstm", {"units": 8}, 0, {})
    store.close_without_model(run_id, status="stopped", message="Stopped before the first batch.")
    bundle = zipfile.ZipFile(io.BytesIO(export_bundle(store.get(run_id))))
    assert sorted(bundle.namelist()) == ["README.txt", "reproduce.sh", "run.json"]
    assert "No model file" in bundle.read("README.txt").decode()
    assert "--set units=8" in bundle.read("reproduce.sh").decode()


def test_a_run_of_a_model_this_version_lacks_exports_without_a_command():
    store = RunStore(store_url())  # e.g. a store shared with another version of seqlab
    run_id = store.create_run(TASK, "digits", "=old-model", {}, 0, {})
    store.close_without_model(run_id, status="stopped", message="Stopped before the first batch.")
    run = store.get(run_id)
    with pytest.raises(NotReproducible, match="'=old-model' is not one this version"):
        reproduce_command(run)
    assert run_document(run)["reproduce"] is None
    bundle = zipfile.ZipFile(io.BytesIO(export_bundle(run)))
    assert sorted(bundle.namelist()) == ["README.txt", "run.json"]
    assert (
        "No reproduce.sh: this version of seqlab has no model '=old-model'"
        in bundle.read("README.txt").decode()
    )
