"""Train one model on one dataset, evaluate it on the held-out split, and record the run.

This is the single path every training takes, from the dashboard and from the CLI, so both record
the same things: config, seed, split, per-epoch history, test metrics with intervals, test
predictions for paired tests, timings, parameter count, status and the model file. Each task says
only how it prepares data, fits and evaluates (a `TrainingPath`; core/tasks/registry.py maps tasks
to paths); the classifiers' path is here.
"""

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.configs import validate
from core.errors import TrainingStopped
from core.hosting import capped_defaults, check_within_caps
from core.models.classifiers import Classifier
from core.models.recurrent.distribution import placement
from core.models.registry import ModelSpec, model_spec
from core.progress import ObserverChain, TrainingObserver
from core.runs.artifacts import verified_artifact
from core.runs.evaluation import Evaluation
from core.runs.store import RunRecord, RunStore
from core.runs.tensorboard_logs import tensorboard_log
from core.tasks.job_costs import check_job_cost, data_shape


@dataclass(frozen=True)
class TrainingResult:
    """The stored record, and the fitted model (None if nothing was trained)."""

    run: RunRecord
    model: Classifier | None


class _HistoryRecorder(TrainingObserver):
    """Writes each epoch to the store as it ends, so a killed run still shows its curve."""

    def __init__(self, store: RunStore, run_id: str) -> None:
        self.store = store
        self.run_id = run_id

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.store.append_epoch(self.run_id, logs)


def fit_recorded(
    store: RunStore,
    run_id: str,
    fit: Callable[[TrainingObserver], Any],
    observer: TrainingObserver | None,
) -> float | None:
    """Run `fit(observer)` with every epoch written to the store as it ends (and to the
    run's TensorBoard folder, when those logs are on: core/runs/tensorboard_logs.py).

    Returns the training seconds; None when a stop came before the first step (the run is
    then closed as stopped, without a model). A stop asked for while the data loaded (which
    cannot be interrupted) is honoured here, before the model is built. A failure closes the
    run as failed and is raised again.
    """
    with tensorboard_log(run_id) as tensorboard:
        chain = ObserverChain(
            _HistoryRecorder(store, run_id), tensorboard, observer or TrainingObserver()
        )
        started = time.perf_counter()
        try:
            if chain.should_stop():
                raise TrainingStopped("Stopped while the data was loading.")
            fit(chain)
        except TrainingStopped as stop:
            store.close_without_model(
                run_id,
                status="stopped",
                message=f"{stop} Nothing was trained, so there is no model to evaluate.",
                train_seconds=time.perf_counter() - started,
            )
            return None
        except BaseException as error:
            store.close_without_model(
                run_id,
                status="failed",
                message=f"{type(error).__name__}: {error}",
                train_seconds=time.perf_counter() - started,
            )
            raise
    return time.perf_counter() - started


def checked_config(task: str, model_name: str, config: Any) -> tuple[ModelSpec, Any]:
    """The model's registry entry and its config (the default if None), validated, and
    within hosted mode's caps (core/hosting.py), which also lower the default's epochs."""
    spec = model_spec(task, model_name)
    config = config if config is not None else capped_defaults(spec)
    validate(config)
    check_within_caps(spec, config)
    return spec, config


def fit_new_run(
    store: RunStore,
    spec: ModelSpec,
    dataset: str,
    config: Any,
    seed: int,
    split: dict,
    fit: Callable[[Any, TrainingObserver], Any],
    observer: TrainingObserver | None,
    visitor: str | None = None,
    sweep: str | None = None,
) -> tuple[str, Any, float | None]:
    """Create the run, build its model and `fit(model, observer)` it with every epoch recorded.

    Returns (run id, model, training seconds); the seconds are None when a stop came before
    the first step, and the run is then already closed (see `fit_recorded`). A neural (Keras)
    model's split also records the strategy and devices it trains on. `visitor` is the
    hosted-mode browser session the run belongs to (None: shared); `sweep` the tuning sweep
    of a trial (core/contest/tuning.py).
    """
    if spec.family == "neural" and spec.estimator_class.trains_on_tensorflow:
        split = {**split, **placement()}
    run_id = store.create_run(
        spec.task, dataset, spec.name, dataclasses.asdict(config), seed, split, visitor, sweep
    )
    model = spec.build(config, seed)
    return run_id, model, fit_recorded(store, run_id, lambda chain: fit(model, chain), observer)


def stop_message(model) -> str:
    """What a stopped run (by its user, or by the server at a deadline or memory limit,
    which says so itself) says about the partly trained model it kept."""
    last = model.history_[-1]
    where = f"epoch {last['epoch']}" + ("" if last["complete"] else " (part-way)")
    return f"Stopped after {where}; the metrics are those of the partially trained model."


def finish_recorded(
    store: RunStore,
    run_id: str,
    model,
    metrics: dict,
    train_seconds: float,
    predict_ms: float,
    y_true: np.ndarray,
    y_pred: np.ndarray,
) -> None:
    """Save a fitted model's file and close its run with the test results, whatever the task.

    A model the user stopped is kept and recorded as `stopped`, with what it had learnt.
    """
    artifact = model.save(store.artifact_path(run_id, model.artifact_suffix))
    store.finish(
        run_id,
        status="stopped" if model.stopped_ else "finished",
        metrics=metrics,
        train_seconds=train_seconds,
        predict_ms=predict_ms,
        param_count=model.count_params(),
        artifact_path=str(artifact),
        message=stop_message(model) if model.stopped_ else "",
        y_true=y_true,
        y_pred=y_pred,
    )


@dataclass(frozen=True)
class TrainingPath:
    """How one task prepares a dataset, fits a model on it and evaluates the model.

    `prepare(dataset, seed)` returns data whose `describe()` is what the store records about
    the split; `fit(model, data, observer)` trains; `evaluate(model, data, seed)` scores the
    held-out part.
    """

    prepare: Callable[[str, int], Any]
    fit: Callable[[Any, Any, TrainingObserver], Any]
    evaluate: Callable[[Any, Any, int], Evaluation]


def train_on_path(
    path: TrainingPath,
    task: str,
    dataset: str,
    model_name: str,
    *,
    store: RunStore,
    config: Any = None,
    seed: int = 0,
    observer: TrainingObserver | None = None,
    visitor: str | None = None,
    sweep: str | None = None,
) -> TrainingResult:
    """Train, evaluate on held-out data and store the run; raises UserFacingError on bad input.

    `visitor` is the hosted-mode browser session the run belongs to; None shares the run.
    `sweep` records the run as a tuning trial of that sweep (its path scores validation).
    """
    spec, config = checked_config(task, model_name, config)
    data = path.prepare(dataset, seed)
    check_job_cost(spec, config, data_shape(data))  # over a shared server's budget: stop
    run_id, model, train_seconds = fit_new_run(
        store,
        spec,
        dataset,
        config,
        seed,
        data.describe(),
        lambda model, chain: path.fit(model, data, chain),
        observer,
        visitor,
        sweep,
    )
    if train_seconds is None:
        return TrainingResult(store.get(run_id), None)
    evaluation = path.evaluate(model, data, seed)
    finish_recorded(
        store,
        run_id,
        model,
        {**evaluation.metrics, "epochs_trained": len(model.history_)},
        train_seconds,
        evaluation.predict_ms,
        evaluation.y_true,
        evaluation.y_pred,
    )
    return TrainingResult(store.get(run_id), model)


def record_scored_model(
    store: RunStore, trial: RunRecord, prepared: Any, path: TrainingPath, visitor: str | None
) -> tuple[RunRecord, Evaluation]:
    """Score a tuning trial's own model on `prepared`'s test part, once, and record that as a
    new ordinary run (same config, seed, history and training time): the trial was scored
    on the validation part only, and nothing is retrained on the test's account."""
    spec = model_spec(trial.task, trial.model)
    model = load_trained_model(trial)
    model.history_, model.stopped_ = trial.history, trial.status == "stopped"
    split = {**prepared.describe(), "tuned_in": trial.sweep}
    if spec.family == "neural" and spec.estimator_class.trains_on_tensorflow:
        split = {**split, **placement()}
    run_id = store.create_run(
        trial.task, trial.dataset, trial.model, trial.config, trial.seed, split, visitor
    )
    store.replace_history(run_id, trial.history)
    evaluation = path.evaluate(model, prepared, trial.seed)
    finish_recorded(
        store,
        run_id,
        model,
        {**evaluation.metrics, "epochs_trained": len(trial.history)},
        trial.train_seconds,
        evaluation.predict_ms,
        evaluation.y_true,
        evaluation.y_pred,
    )
    return store.get(run_id), evaluation


def load_trained_model(run: RunRecord):
    """Rebuild a stored run's model from its file, whatever its task (Keras in safe mode).

    Raises ArtifactChanged, naming the run, when the file is not the one recorded at finish.
    """
    if not run.artifact_path:
        raise ValueError(f"Run {run.id} has no model file ({run.status}).")
    return load_model_file(verified_artifact(run), run.task, run.model, run.config, run.metrics)


def load_model_file(path: Path, task: str, model_name: str, config: dict, metrics: dict):
    """Rebuild a model from its file and the settings and metrics its run recorded."""
    spec = model_spec(task, model_name)
    config = spec.config_from_dict(config)
    if issubclass(spec.estimator_class, Classifier):
        classes = np.arange(len(metrics["confusion_matrix"]))
        return spec.estimator_class.load(path, config, classes)
    return spec.estimator_class.load(path, config)
