"""The contest: every rung of a task's ladder tuned with the same budget per side, and the tuned
best of each side scored once on the same test part.

`run_contest` gives the baselines and the networks the same wall-clock tuning budget (half the
contest's each). Inside a side, each rung in turn gets an equal share of what is left, so a
rung that needs less (the majority floor has nothing to tune) leaves its time to the next.
Every trial is scored on the validation part (core/contest/tuning.py); the best trial of each
side, by validation, is then scored once on the test part and recorded as an ordinary run
(the trial's own model: nothing is retrained on the test's account). The pair is compared with
a paired bootstrap interval and McNemar's test; a power-law forecast from training on 1/16 to
1/2 of the training part says whether more data would change the answer, and the order probe
retrains both with the order shuffled inside each example.

A stop (the user's, or a hosted job's deadline) ends the tuning where it is and skips the
forecast and the probe: the rungs tuned so far are still scored and judged.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.contest.contest_result import Contender, ContestResult, Rung
from core.contest.forecast import ScorePoint, forecast
from core.contest.learning_curves import training_part_subset
from core.contest.order_probe import order_effect, order_probe
from core.contest.tuning import MINIMUM_BUDGET_SECONDS, TuningObserver, check_budget, tune
from core.data.datasets import dataset_fingerprint
from core.errors import TrainingStopped, UserFacingError
from core.hosting import hosting_settings
from core.metrics.classification import mcnemar_test, paired_difference
from core.models.registry import ModelSpec, model_spec, models_for
from core.runs.store import RunStore
from core.tasks.registry import task as task_named
from core.tasks.training import checked_config, record_scored_model

SIDES = ("baseline", "neural")
FIRST_RUNGS = ("majority", "mlp", "cnn")
# Training sizes for the forecast's curve, as fractions of the training part; the full size's
# point is the final's own test score.
CURVE_FRACTIONS = (1 / 16, 1 / 8, 1 / 4, 1 / 2)


class ContestObserver(TuningObserver):
    """Tuning progress, plus each stage of the contest as it begins."""

    def on_stage(self, index: int, total: int, description: str) -> None:
        """Stage `index` (from 0) of `total` begins: tuning a rung, scoring, a curve, a probe."""


def hosted_contest_budget_limit() -> float:
    """The longest tuning budget one contest may have on a shared server: a third of a job's
    deadline, leaving the rest to score, draw the forecast's curve and run the probe."""
    return hosting_settings().job_seconds / 3


def ladder(task_name: str) -> dict[str, list[ModelSpec]]:
    """The task's rungs per side: the majority floor first, then the dense and convolutional
    networks before the recurrent ones (cheapest first, so the time a quick rung leaves goes
    to the slow ones), else in the registry's order."""
    return {
        side: sorted(
            (spec for spec in models_for(task_name) if spec.family == side),
            key=lambda spec: FIRST_RUNGS.index(spec.name) if spec.name in FIRST_RUNGS else 99,
        )
        for side in SIDES
    }


@dataclass
class _Stages:
    """Counts the contest's stages for the observer's progress."""

    observer: ContestObserver
    total: int
    done: int = 0

    def begin(self, description: str) -> None:
        self.observer.on_stage(self.done, self.total, description)
        self.done += 1


def _tune_side(side, specs, dataset, prepared, budget, store, seed, observer, visitor, stages):
    """Tune each rung of one side in turn, each with an equal share of the time left."""
    rungs = []
    ends = time.monotonic() + budget
    for index, spec in enumerate(specs):
        if observer.should_stop():
            break
        left = ends - time.monotonic()
        share = max(left / (len(specs) - index), MINIMUM_BUDGET_SECONDS)
        stages.begin(f"Tuning {spec.title} ({side}s, rung {index + 1} of {len(specs)})")
        started = time.monotonic()
        sweep = tune(
            spec.task,
            dataset,
            spec.name,
            budget_seconds=share,
            store=store,
            seed=seed,
            observer=observer,
            visitor=visitor,
            prepared=prepared,
        )
        rungs.append(Rung(spec.name, spec.title, side, sweep, time.monotonic() - started))
    return rungs


def _final(store, rung: Rung, prepared, seed: int, visitor) -> Contender:
    """The rung's best trial's own model, scored once on the test part as an ordinary run."""
    trial = rung.sweep.best
    trial_run = store.get(trial.run_id)
    path = task_named(trial_run.task).path
    run, evaluation = record_scored_model(store, trial_run, prepared, path, visitor)
    return Contender(rung, run, evaluation.y_true, evaluation.y_pred, _megabytes(run.artifact_path))


def _megabytes(path: str | None) -> float | None:
    return Path(path).stat().st_size / 2**20 if path and Path(path).exists() else None


def _curve(spec, config, prepared, seed, observer) -> list[tuple[int, float]]:
    """(training examples, test accuracy) at each of CURVE_FRACTIONS of the training part."""
    path = task_named(spec.task).path
    points = []
    for fraction in CURVE_FRACTIONS:
        subset = training_part_subset(prepared, fraction, seed)
        model = spec.build(config, seed)
        path.fit(model, subset, observer)
        if model.stopped_:
            raise TrainingStopped("Stopped while drawing the forecast's curve.")
        evaluation = path.evaluate(model, prepared, seed)
        points.append((len(subset.split.train), float(evaluation.metrics["accuracy"])))
    return points


def _floor(prepared) -> float:
    """The majority floor: the test share of the most frequent training label."""
    labels, split = prepared.data.labels, prepared.split
    values, counts = np.unique(labels[split.train], return_counts=True)
    return float(np.mean(labels[split.test] == values[np.argmax(counts)]))


def run_contest(
    task_name: str,
    dataset: str,
    *,
    budget_seconds: float,
    store: RunStore,
    seed: int = 0,
    observer: ContestObserver | None = None,
    visitor: str | None = None,
) -> ContestResult:
    """Tune every rung of `task_name`'s ladder on `dataset` with `budget_seconds` in all (half
    per side), score each side's best once on the test part, and judge the pair."""
    check_budget(budget_seconds, hosted_contest_budget_limit())
    observer = observer or ContestObserver()
    task = task_named(task_name)
    if task.tuning_view is None:
        raise UserFacingError(f"{task.title} has no contest yet: only classification has.")
    sides = ladder(task_name)
    prepared = task.path.prepare(dataset, seed)
    rung_count = sum(len(specs) for specs in sides.values())
    stages = _Stages(observer, total=rung_count + 1 + 2 * len(SIDES))
    started = time.monotonic()
    rungs = []
    for side, specs in sides.items():
        rungs += _tune_side(
            side,
            specs,
            dataset,
            prepared,
            budget_seconds / 2,
            store,
            seed,
            observer,
            visitor,
            stages,
        )
    tuning_seconds = time.monotonic() - started
    stages.begin("Scoring each side's best once on the test part")
    contenders = {}
    for side in SIDES:
        tuned = [rung for rung in rungs if rung.family == side and rung.sweep.best]
        if tuned:
            best = max(tuned, key=lambda rung: rung.sweep.best.score)
            contenders[side] = _final(store, best, prepared, seed, visitor)
    result = ContestResult.judged(
        task=task_name,
        dataset=dataset,
        seed=seed,
        budget_seconds=budget_seconds,
        tuning_seconds=tuning_seconds,
        split=prepared.describe(),
        fingerprint=dataset_fingerprint(prepared.data),
        rungs=tuple(rungs),
        floor=_floor(prepared),
        contenders=contenders,
        comparison=_compare(contenders, seed),
        stopped=observer.should_stop(),
    )
    if len(contenders) < 2 or observer.should_stop():
        return result
    try:
        forecast = _forecast(contenders, prepared, seed, observer, stages)
        probes = _probes(contenders, prepared, seed, observer, stages)
    except TrainingStopped:
        return result.with_extras(stopped=True)
    return result.with_extras(forecast=forecast, probes=probes)


def _compare(contenders: dict, seed: int):
    """The neural side's hit rate minus the baseline's, paired, and McNemar's test."""
    if len(contenders) < 2:
        return None
    baseline, neural = contenders["baseline"], contenders["neural"]
    return (
        paired_difference(baseline.hits, neural.hits, seed=seed),
        mcnemar_test(neural.y_true, neural.predictions, baseline.predictions),
    )


def _config_of(contender: Contender):
    """The pick's model and config as its final trained: a trial cut short trained fewer
    epochs than its config says, and the curve and the probe must train the same recipe."""
    spec = model_spec(contender.run.task, contender.run.model)
    values = dict(contender.run.config)
    if not contender.trial.complete and "epochs" in values:
        values["epochs"] = max(contender.trial.epochs_trained, 1)
    return checked_config(spec.task, spec.name, spec.config_from_dict(values))


def _forecast(contenders, prepared, seed, observer, stages):
    """Each side's curve at 1/16 to 1/2 of the training part plus its final at the whole,
    and the power-law forecast from them (core/contest/forecast.py)."""
    full, tests = len(prepared.split.train), len(prepared.split.test)
    points = {}
    for side, contender in contenders.items():
        stages.begin(f"Forecast: {contender.rung.title} on 1/16 to 1/2 of the training part")
        spec, config = _config_of(contender)
        curve = _curve(spec, config, prepared, seed, observer)
        points[side] = [
            ScorePoint(examples, score, tests)
            for examples, score in [*curve, (full, contender.score)]
        ]
    return forecast(points["baseline"], points["neural"], full, seed=seed)


def _probes(contenders, prepared, seed, observer, stages) -> dict:
    probes = {}
    for side, contender in contenders.items():
        stages.begin(f"Order probe: {contender.rung.title} with the order shuffled")
        spec, config = _config_of(contender)
        shuffled = order_probe(spec, config, prepared, seed, observer)
        if shuffled is None:
            raise TrainingStopped("Stopped during the order probe.")
        probes[side] = order_effect(contender.hits, shuffled.hits, seed, shuffled.pieces)
    return probes
