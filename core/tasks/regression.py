"""Fit the perceptron on synthetic line data and record the run next to least squares.

The same store as every other run: config (data and training settings together), seed,
per-epoch history (thinned to at most HISTORY_POINTS records), the metrics comparing
gradient descent with the closed form, status and a weights file.
"""

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from core.configs import validate, with_overrides
from core.errors import UserFacingError
from core.files import write_atomically
from core.learn.line_data import (
    WITHIN,
    LeastSquares,
    LineData,
    LineDataConfig,
    cost,
    least_squares,
    make_line_data,
    relative_distance,
    stable_learning_rate,
)
from core.models.perceptron import PerceptronConfig, PerceptronRegressor
from core.progress import TrainingObserver
from core.runs.store import RunRecord, RunStore
from core.task_names import REGRESSION
from core.tasks.task import Task

SYNTHETIC = "synthetic"
HISTORY_POINTS = 500


@dataclass(frozen=True)
class LineFit:
    run: RunRecord
    model: PerceptronRegressor
    data: LineData
    closed_form: LeastSquares


def split_settings(overrides: dict) -> tuple[LineDataConfig, PerceptronConfig]:
    """Command-line settings go to the data or the training config by name."""
    data_names = {item.name for item in dataclasses.fields(LineDataConfig)}
    data = {key: value for key, value in overrides.items() if key in data_names}
    training = {key: value for key, value in overrides.items() if key not in data_names}
    return with_overrides(LineDataConfig(), data), with_overrides(PerceptronConfig(), training)


def epochs_to_within(history: list[dict], reference: LeastSquares) -> int | None:
    """The first epoch whose parameters were within 1% of the closed-form ones."""
    for record in history:
        if "weights" in record and (
            relative_distance(record["weights"], record["intercept"], reference) <= WITHIN
        ):
            return record["epoch"]
    return None


def line_fit_metrics(model, data: LineData, reference: LeastSquares, config) -> dict:
    distance = relative_distance(model.weights_, model.intercept_, reference)
    return {
        "weights": model.weights_.tolist(),
        "intercept": model.intercept_,
        "closed_form_weights": reference.weights.tolist(),
        "closed_form_intercept": reference.intercept,
        "final_cost": cost(data.X, data.y, model.weights_, model.intercept_, config.loss),
        "closed_form_cost": cost(
            data.X, data.y, reference.weights, reference.intercept, config.loss
        ),
        "relative_difference": distance,
        "within_1_percent": distance <= WITHIN,
        "epochs_to_within_1_percent": epochs_to_within(model.history_, reference),
        "true_slopes": data.slopes.tolist(),
        "true_intercept": data.intercept,
        "stable_learning_rate": stable_learning_rate(data.X, config.loss),
    }


def _thinned(history: list[dict]) -> list[dict]:
    stride = max(1, -(-len(history) // HISTORY_POINTS))
    kept = history[::stride]
    return kept if not history or kept[-1] is history[-1] else [*kept, history[-1]]


def divergence_message(model: PerceptronRegressor, config: PerceptronConfig, bound: float) -> str:
    last = model.history_[-1]
    advice = (
        f"For this data and the {config.loss} loss, plain gradient descent is stable only for "
        f"learning rates below {bound:.3g} (2 / the cost's largest curvature); "
        f"{config.learning_rate:g} overshoots the minimum further at every step."
        if config.optimizer == "sgd"
        else "Lower the learning rate."
    )
    return (
        f"Diverged: the cost became {last['loss']} at epoch {last['epoch']}, so training "
        f"stopped there. {advice}"
    )


@dataclass(frozen=True)
class PendingFit:
    """A line fit whose run is recorded as running and whose training has not begun."""

    run_id: str
    config: PerceptronConfig
    seed: int
    data: LineData
    closed_form: LeastSquares


def start_line_fit(
    store: RunStore,
    data_config: LineDataConfig,
    config: PerceptronConfig,
    seed: int = 0,
    visitor: str | None = None,
) -> PendingFit:
    """Validate, generate the data, solve in closed form, and record the run as running
    (belonging to `visitor`, a hosted-mode browser session; None shares it)."""
    validate(data_config)
    validate(config)
    data = make_line_data(data_config, seed)
    run_id = store.create_run(
        REGRESSION,
        SYNTHETIC,
        "perceptron",
        {**dataclasses.asdict(data_config), **dataclasses.asdict(config)},
        seed,
        {"points": len(data.y), "fitted_on": "all points, as curve fitting in the seed"},
        visitor,
    )
    return PendingFit(run_id, config, seed, data, least_squares(data.X, data.y))


def complete_line_fit(
    store: RunStore, pending: PendingFit, observer: TrainingObserver | None = None
) -> LineFit:
    """Fit by gradient descent and record the outcome: finished, stopped, or diverged.

    Anything that ends the fit early, a stop request or an interruption (Streamlit ends a
    script run by raising inside it when the user clicks; Ctrl-C), is recorded as stopped
    with the parameters reached so far before it propagates.
    """
    model = PerceptronRegressor(pending.config, random_state=pending.seed)
    started = time.perf_counter()
    try:
        model.fit(pending.data.X, pending.data.y, observer=observer)
    except BaseException:
        _record(store, pending, model, time.perf_counter() - started, interrupted=True)
        raise
    _record(store, pending, model, time.perf_counter() - started, interrupted=False)
    return LineFit(store.get(pending.run_id), model, pending.data, pending.closed_form)


def _record(store, pending: PendingFit, model, seconds: float, *, interrupted: bool) -> None:
    run_id, data, config = pending.run_id, pending.data, pending.config
    history = getattr(model, "history_", [])
    store.replace_history(run_id, _thinned(history))
    if getattr(model, "diverged_", False):
        message = divergence_message(model, config, stable_learning_rate(data.X, config.loss))
        store.close_without_model(run_id, status="failed", message=message, train_seconds=seconds)
        return
    if not history:
        store.close_without_model(
            run_id,
            status="stopped",
            message="Stopped before the first step.",
            train_seconds=seconds,
        )
        return

    def write_weights(path):
        with open(path, "wb") as stream:
            np.savez(stream, weights=model.weights_, intercept=model.intercept_)

    stopped = interrupted or model.stopped_
    predict_started = time.perf_counter()
    predictions = model.predict(data.X)
    predict_ms = (time.perf_counter() - predict_started) * 1000 / len(data.y)
    store.finish(
        run_id,
        status="stopped" if stopped else "finished",
        metrics=line_fit_metrics(model, data, pending.closed_form, config),
        train_seconds=seconds,
        predict_ms=predict_ms,
        param_count=data.X.shape[1] + 1,
        artifact_path=str(write_atomically(store.artifact_path(run_id, ".npz"), write_weights)),
        message=(
            f"Stopped after epoch {len(history)} of {config.epochs}; the weights are those "
            "reached by then."
            if stopped
            else ""
        ),
        y_true=data.y,
        y_pred=predictions,
    )


def fit_line_and_record(
    *,
    store: RunStore,
    data_config: LineDataConfig,
    config: PerceptronConfig,
    seed: int = 0,
    observer: TrainingObserver | None = None,
) -> LineFit:
    """Generate the data, fit by gradient descent and in closed form, store the run."""
    return complete_line_fit(store, start_line_fit(store, data_config, config, seed), observer)


def check_dataset(dataset: str) -> None:
    if dataset != SYNTHETIC:
        raise UserFacingError(
            f"The regression task fits synthetic data; use the dataset "
            f"{SYNTHETIC!r}, not {dataset!r}."
        )


def _fit_from_settings(
    dataset: str, settings: dict, *, store: RunStore, seed: int, observer: TrainingObserver
) -> RunRecord:
    """The CLI's way in: data and training settings come mixed in one `--set` list."""
    check_dataset(dataset)
    data_config, config = split_settings(settings)
    return fit_line_and_record(
        store=store, data_config=data_config, config=config, seed=seed, observer=observer
    ).run


def _summary(run: RunRecord) -> str:
    metrics = run.metrics
    return (
        f"{run.id} {run.status}: gradient descent W {metrics['weights']} "
        f"b {metrics['intercept']:.4f} (cost {metrics['final_cost']:.4f}); least squares "
        f"W {metrics['closed_form_weights']} b {metrics['closed_form_intercept']:.4f} "
        f"(cost {metrics['closed_form_cost']:.4f}); within 1% after "
        f"{metrics['epochs_to_within_1_percent']} epochs"
    )


# A full-batch TensorFlow loop, not a Keras model: it trains in the foreground on one device.
TASK = Task(
    REGRESSION,
    path=None,
    metrics=None,
    dataset_help=f"{SYNTHETIC} (points on a line plus Gaussian noise)",
    data_titles=lambda: ["points on a line y = Wx + b, plus Gaussian noise"],
    summary=_summary,
    distributed=False,
    foreground=_fit_from_settings,
)
