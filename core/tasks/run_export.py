"""A stored run as files to take away: its JSON, the command that trains it again, its model.

`run_summary` is what `python -m core train --json` prints; `run_document` adds the per-epoch
history and the reproducing command; `export_bundle` zips those with the run's model file and
a note on loading it, which `load_exported` does (Keras in safe mode, arrays without pickle).
"""

import dataclasses
import io
import json
import shlex
import zipfile
from pathlib import Path
from typing import Any

from core.errors import InvalidConfig, UserFacingError
from core.learn.line_data import LineDataConfig
from core.models.perceptron import PerceptronConfig
from core.models.registry import model_spec
from core.runs.artifacts import ArtifactChanged, sha256_of, verified_artifact
from core.runs.store import RunRecord
from core.task_names import REGRESSION
from core.tasks.training import load_model_file

RUN_JSON = "run.json"
COMMAND_FILE = "reproduce.sh"
README_FILE = "README.txt"


class NotReproducible(UserFacingError):
    """A stored run whose model this version of seqlab does not have (a store shared with
    another version, say): there is no command that trains it again."""


def run_summary(run: RunRecord) -> dict:
    """The run as `python -m core train --json` and `runs --json` print it."""
    return {
        "run_id": run.id,
        "task": run.task,
        "dataset": run.dataset,
        "model": run.model,
        "status": run.status,
        "seed": run.seed,
        "config": run.config,
        "split": run.split,
        "metrics": run.metrics,
        "train_seconds": run.train_seconds,
        "predict_ms": run.predict_ms,
        "param_count": run.param_count,
        "epochs": len(run.history),
        "artifact_path": run.artifact_path,
        "message": run.message,
        "created_at": run.created_at,
    }


def run_document(run: RunRecord) -> dict:
    """Everything recorded about the run, as JSON: settings, metrics, history, and how to
    train it again."""
    return {
        **run_summary(run),
        "artifact_sha256": run.artifact_sha256,
        "finished_at": run.finished_at,
        "history": run.history,
        "reproduce": _command_if_any(run),  # None: this version has no such model
    }


def _default_settings(run: RunRecord) -> dict[str, Any]:
    if run.task == REGRESSION:  # data and training settings are stored as one config
        return {**dataclasses.asdict(LineDataConfig()), **dataclasses.asdict(PerceptronConfig())}
    try:
        spec = model_spec(run.task, run.model)
    except InvalidConfig:
        raise NotReproducible(
            f"Run {run.id}'s model {run.model!r} is not one this version of seqlab trains for "
            f"{run.task}, so there is no command to train it again."
        ) from None
    defaults = dataclasses.asdict(spec.default_config())
    return {name: value for name, value in defaults.items() if name not in spec.fixed}


def _as_argument(value: Any) -> str:
    """A setting as `--set` parses it back (core.configs.parse_value)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def reproduce_arguments(run: RunRecord) -> list[str]:
    """`python -m core` arguments that train the run's model again on the same data, split,
    seed and settings (those not at their defaults)."""
    arguments = ["train", run.task, run.dataset, run.model, "--seed", str(run.seed)]
    for name, default in _default_settings(run).items():
        if name in run.config and run.config[name] != default:
            arguments += ["--set", f"{name}={_as_argument(run.config[name])}"]
    return arguments


def reproduce_command(run: RunRecord) -> str:
    """The shell command that trains the run again, e.g.
    `python -m core train sequence-classification digits lstm --seed 0 --set units=64`;
    NotReproducible when this version has no such model."""
    return shlex.join(["python", "-m", "core", *reproduce_arguments(run)])


def _command_if_any(run: RunRecord) -> str | None:
    try:
        return reproduce_command(run)
    except NotReproducible:
        return None


def _readme(run: RunRecord, model_file: str | None, command: str | None) -> str:
    lines = [
        f"seqlab run {run.id}: {run.model} on {run.dataset} ({run.task}), seed {run.seed}, "
        f"{run.status}.",
        "",
        f"{RUN_JSON}: settings, split, test metrics and per-epoch history.",
        f"{COMMAND_FILE}: the command that trains the same model on the same data, split and "
        "seed again, from a seqlab checkout (an uploaded dataset must be stored in its data "
        "folder under the same name)."
        if command
        else f"No {COMMAND_FILE}: this version of seqlab has no model {run.model!r}.",
    ]
    if model_file is None:
        lines.append("No model file: the run ended before anything was trained.")
    elif run.task == REGRESSION:
        lines.append(
            f"{model_file}: the fitted weights and intercept as NumPy arrays: "
            f"numpy.load('{model_file}', allow_pickle=False)."
        )
    else:
        lines.append(
            f"{model_file}: the trained model. Load it with seqlab: "
            f"core.tasks.run_export.load_exported('{model_file}', '{RUN_JSON}') (Keras files load "
            "in safe mode; scikit-learn baselines are plain arrays, read without pickle)."
        )
    return "\n".join(lines) + "\n"


def export_bundle(run: RunRecord) -> bytes:
    """A zip of the run's JSON, its reproducing command, its model file and a README.

    Raises ArtifactChanged when the model file is missing or not the one recorded.
    """
    model_file = None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        if run.artifact_path:
            artifact = verified_artifact(run)
            model_file = f"{run.id}{artifact.suffix}"
            bundle.write(artifact, model_file)
        bundle.writestr(RUN_JSON, json.dumps(run_document(run), indent=2))
        command = _command_if_any(run)
        if command:
            bundle.writestr(COMMAND_FILE, f"#!/bin/sh\n{command}\n")
        bundle.writestr(README_FILE, _readme(run, model_file, command))
    return buffer.getvalue()


def load_exported(model_file: str | Path, run_json: str | Path):
    """The model of an exported run, from its model file and its run.json.

    Refuses a file whose sha256 is not the one recorded when the run finished.
    """
    document = json.loads(Path(run_json).read_text("utf-8"))
    recorded = document.get("artifact_sha256")
    if recorded is not None and sha256_of(model_file) != recorded:
        raise ArtifactChanged(
            f"{model_file} is not run {document['run_id']}'s model file (its sha256 differs "
            "from the one in run.json)."
        )
    return load_model_file(
        Path(model_file),
        document["task"],
        document["model"],
        document["config"],
        document["metrics"],
    )
