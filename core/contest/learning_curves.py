"""Learning curves: how a baseline and a neural model score as the training set grows.

Each point trains one model on a seeded subset of the training part (stratified by class
where examples have one label) and scores it on the whole held-out test part, which stays
the same for every point: the split comes from `split_seed`, the subset and the model's
initialisation from the point's seed. Training and scoring go through the task's own
`TrainingPath` (prepare, fit, evaluate), the same as `core.tasks.registry.train`. The points are not
stored as runs (a 4-fraction, 3-seed curve of two models would add 24 runs to the
leaderboard); the curve is cached as JSON in the data folder, keyed by its settings.

The crossover is the smallest training size from which the neural model's mean over seeds
stays above the baseline's at every larger size tried.
"""

import dataclasses
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.data.splits import Split
from core.errors import InvalidConfig, TrainingStopped, UserFacingError
from core.hosting import hosting_settings
from core.models.cost import check_within_budget
from core.models.registry import MODELS, model_spec
from core.paths import curves_dir
from core.progress import TrainingObserver
from core.tasks.classification import SplitDataset
from core.tasks.job_costs import data_shape, job_budget, job_cost
from core.tasks.registry import REGISTERED, main_metric
from core.tasks.training import checked_config

DEFAULT_FRACTIONS = (0.1, 0.25, 0.5, 1.0)
DEFAULT_SEEDS = 3
MAX_SEEDS = 10
MAX_FRACTIONS = 10
# On a shared server (hosted mode) a curve is one job, under one deadline: fewer points.
HOSTED_MAX_SEEDS = 3
HOSTED_MAX_FRACTIONS = 5
CONFIDENCE = 0.95


class CurveObserver(TrainingObserver):
    """Training progress of each point's fit, plus when each point begins and ends."""

    def on_point_begin(self, index: int, total: int, description: str) -> None:
        """Called before point `index` (from 0) of `total` starts training."""

    def on_point_end(self, point: "CurvePoint") -> None:
        """Called with each point once it is scored."""


@dataclass(frozen=True)
class CurveSettings:
    task: str
    dataset: str
    baseline: str
    model: str
    fractions: tuple[float, ...] = DEFAULT_FRACTIONS
    seeds: int = DEFAULT_SEEDS
    split_seed: int = 0
    baseline_settings: dict = field(default_factory=dict)
    model_settings: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The name of this curve's cache file: a hash of every setting."""
        text = json.dumps(dataclasses.asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CurvePoint:
    fraction: float
    examples: int  # training examples (sentences, pairs) the model saw
    model: str
    family: str
    seed: int
    metric: float
    train_seconds: float


@dataclass(frozen=True)
class LearningCurve:
    settings: CurveSettings
    metric: str | None  # key of the main metric, e.g. "accuracy"; None before any point
    metric_title: str | None
    points: list[CurvePoint]
    complete: bool  # False when stopped before every point was scored
    message: str = ""

    def summary(self) -> list[dict]:
        """Per model and training size: the mean over seeds and its 95% t-interval (no interval
        from a single seed)."""
        from scipy.stats import t

        rows = []
        for model in (self.settings.baseline, self.settings.model):
            for fraction in self.settings.fractions:
                values = [
                    point.metric
                    for point in self.points
                    if point.model == model and point.fraction == fraction
                ]
                if not values:
                    continue
                mean = float(np.mean(values))
                half = (
                    float(
                        t.ppf((1 + CONFIDENCE) / 2, len(values) - 1)
                        * np.std(values, ddof=1)
                        / np.sqrt(len(values))
                    )
                    if len(values) > 1
                    else None
                )
                examples = next(p.examples for p in self.points if p.fraction == fraction)
                rows.append(
                    {
                        "model": model,
                        "fraction": fraction,
                        "examples": examples,
                        "seeds": len(values),
                        "mean": mean,
                        "low": None if half is None else mean - half,
                        "high": None if half is None else mean + half,
                    }
                )
        return rows

    def crossover(self) -> dict | None:
        """The smallest training size from which the neural mean stays above the baseline's
        at every larger size with both scored: {"fraction", "examples"}, or None."""
        means = {(row["model"], row["fraction"]): row for row in self.summary()}
        both = [
            fraction
            for fraction in self.settings.fractions
            if (self.settings.baseline, fraction) in means
            and (self.settings.model, fraction) in means
        ]
        crossing = None
        for fraction in reversed(both):
            neural = means[(self.settings.model, fraction)]
            if neural["mean"] <= means[(self.settings.baseline, fraction)]["mean"]:
                break
            crossing = {"fraction": fraction, "examples": neural["examples"]}
        return crossing

    def crossover_text(self) -> str:
        crossing = self.crossover()
        neural, baseline = (
            MODELS[(self.settings.task, name)].title
            for name in (self.settings.model, self.settings.baseline)
        )
        if crossing is None:
            return f"{neural} never overtakes {baseline} in this range of training sizes."
        return (
            f"{neural} is ahead of {baseline} from {crossing['examples']:,} training examples "
            f"({crossing['fraction']:.0%} of the training set) on."
        )

    def to_dict(self) -> dict:
        return {
            "settings": dataclasses.asdict(self.settings),
            "metric": self.metric,
            "metric_title": self.metric_title,
            "points": [dataclasses.asdict(point) for point in self.points],
            "complete": self.complete,
            "message": self.message,
            "summary": self.summary(),
            "crossover": self.crossover(),
        }

    @classmethod
    def from_dict(cls, values: dict) -> "LearningCurve":
        settings = dict(values["settings"])
        settings["fractions"] = tuple(settings["fractions"])
        return cls(
            CurveSettings(**settings),
            values["metric"],
            values["metric_title"],
            [CurvePoint(**point) for point in values["points"]],
            values["complete"],
            values["message"],
        )


def parse_fractions(text: str) -> tuple[float, ...]:
    """ "0.1,0.25,1" as sorted distinct fractions of the training set, each in (0, 1]."""
    try:
        values = sorted({float(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise InvalidConfig(
            f"Fractions are numbers separated by commas, like 0.1,0.25,0.5,1; got {text!r}."
        ) from None
    if not values or not all(math.isfinite(value) for value in values):
        raise InvalidConfig(f"Each fraction must be a number; got {text!r}.")
    if values[0] <= 0 or values[-1] > 1:
        raise InvalidConfig(f"Each fraction must be above 0 and at most 1; got {text!r}.")
    if len(values) > MAX_FRACTIONS:
        raise InvalidConfig(f"A curve has at most {MAX_FRACTIONS} fractions; got {len(values)}.")
    return tuple(values)


def training_subset(
    train: np.ndarray, fraction: float, seed: int, labels: np.ndarray | None = None
) -> np.ndarray:
    """A seeded `fraction` of the training indices `train`, sorted; stratified by `labels`
    (one per index of `train`) when given. The whole part for a fraction of 1."""
    from sklearn.model_selection import train_test_split

    train = np.asarray(train)
    if fraction >= 1:
        return np.sort(train)
    size = max(1, round(fraction * len(train)))
    if labels is None:
        return np.sort(np.random.default_rng(seed).choice(train, size, replace=False))
    try:
        chosen, _ = train_test_split(train, train_size=size, stratify=labels, random_state=seed)
    except ValueError:
        raise UserFacingError(
            f"{fraction:.0%} of the training set is {size} examples, too few to hold every "
            f"one of its {len(np.unique(labels))} classes; choose a larger fraction."
        ) from None
    return np.sort(chosen)


def training_part_subset(prepared: Any, fraction: float, seed: int) -> Any:
    """The prepared data with its training part cut to a seeded fraction; test unchanged."""
    split = prepared.split
    labels = prepared.data.labels[split.train] if isinstance(prepared, SplitDataset) else None
    train = training_subset(split.train, fraction, seed, labels)
    return dataclasses.replace(
        prepared, split=Split(train, split.validation, split.test, split.seed)
    )


def check_curve_settings(settings: CurveSettings) -> dict[str, tuple]:
    """Each model's registry entry and validated config, checked before any training (and
    by the page before it offers to start); InvalidConfig names what is out of bounds."""
    task = REGISTERED.get(settings.task)
    why = "it has no training path" if task is None or task.path is None else task.curve_unsupported
    if why:
        raise UserFacingError(f"Learning curves are not available for {settings.task}: {why}.")
    if not 1 <= settings.seeds <= MAX_SEEDS:
        raise InvalidConfig(f"Seeds must be between 1 and {MAX_SEEDS}; got {settings.seeds}.")
    parse_fractions(",".join(map(str, settings.fractions)))
    if hosting_settings().hosted:
        if settings.seeds > HOSTED_MAX_SEEDS:
            raise InvalidConfig(
                f"Seeds must be at most {HOSTED_MAX_SEEDS} on this shared server (hosted "
                f"mode); got {settings.seeds}."
            )
        if len(settings.fractions) > HOSTED_MAX_FRACTIONS:
            raise InvalidConfig(
                f"A curve has at most {HOSTED_MAX_FRACTIONS} fractions on this shared server "
                f"(hosted mode); got {len(settings.fractions)}."
            )
    checked = {}
    for name, family, overrides in (
        (settings.baseline, "baseline", settings.baseline_settings),
        (settings.model, "neural", settings.model_settings),
    ):
        spec = model_spec(settings.task, name)
        if spec.family != family:
            raise InvalidConfig(f"{name} is a {spec.family} model; choose a {family} one here.")
        checked[name] = checked_config(settings.task, name, spec.config_with(overrides))
    return checked


def check_curve_cost(settings: CurveSettings, neural: tuple, prepared: Any) -> None:
    """In hosted mode, refuse a curve whose network, trained at every fraction and seed,
    would take more time than one job may (or more memory for one batch); its baseline
    costs little beside it."""
    hosting = hosting_settings()
    spec, config = neural
    cost = job_cost(spec, config, data_shape(prepared))
    if not hosting.hosted or cost is None:
        return
    trainings = settings.seeds * sum(settings.fractions)
    whole = dataclasses.replace(
        cost, steps=round(cost.steps * trainings), seconds=cost.seconds * trainings
    )
    check_within_budget(whole, *job_budget(hosting))


def learning_curve(settings: CurveSettings, observer: CurveObserver | None = None) -> LearningCurve:
    """Train and score every (fraction, seed, model) point, smallest fractions first.

    A stop request ends the curve early: the points scored so far are kept, the one in
    training is dropped (it saw less than its share), and the curve says it is partial.
    """
    observer = observer or CurveObserver()
    models = check_curve_settings(settings)
    path = REGISTERED[settings.task].path
    prepared = path.prepare(settings.dataset, settings.split_seed)
    check_curve_cost(settings, models[settings.model], prepared)
    plan = [
        (fraction, seed, name)
        for fraction in settings.fractions
        for seed in range(settings.seeds)
        for name in models
    ]
    points, metric = [], None
    for index, (fraction, seed, name) in enumerate(plan):
        if observer.should_stop():
            break
        spec, config = models[name]
        observer.on_point_begin(
            index, len(plan), f"{spec.title} on {fraction:.0%} of the training set, seed {seed}"
        )
        subset = training_part_subset(prepared, fraction, seed)
        model = spec.build(config, seed)
        started = time.perf_counter()
        try:
            path.fit(model, subset, observer)
        except TrainingStopped:
            break
        if model.stopped_:
            break
        seconds = time.perf_counter() - started
        evaluation = path.evaluate(model, prepared, settings.split_seed)
        metric = metric or main_metric(settings.task, evaluation.metrics)
        point = CurvePoint(
            fraction,
            len(subset.split.train),
            name,
            spec.family,
            seed,
            float(evaluation.metrics[metric.key]),
            seconds,
        )
        points.append(point)
        observer.on_point_end(point)
    else:
        return LearningCurve(settings, metric.key, metric.title, points, complete=True)
    return LearningCurve(
        settings,
        metric and metric.key,
        metric and metric.title,
        points,
        complete=False,
        message=f"Stopped by request after {len(points)} of {len(plan)} points: the curve is "
        "partial.",
    )


def save_curve(curve: LearningCurve, visitor: str | None = None) -> Path:
    """Write the curve to the data folder under its settings' key (atomically): in the
    hosted-mode `visitor`'s own folder, or the shared one."""
    path = curves_dir(visitor) / f"{curve.settings.key}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(curve.to_dict()))
    partial.replace(path)
    return path


def cached_curves(
    task: str | None = None, dataset: str | None = None, visitor: str | None = None
) -> list[LearningCurve]:
    """Saved curves, newest first, optionally of one task and dataset: the shared ones and,
    in hosted mode, the `visitor`'s own, never another visitor's (as with runs)."""
    folders = {curves_dir(), curves_dir(visitor)}
    found = [file for folder in folders for file in folder.glob("*.json")]
    files = sorted(found, key=lambda file: file.stat().st_mtime, reverse=True)
    curves = [LearningCurve.from_dict(json.loads(file.read_text())) for file in files]
    return [
        curve
        for curve in curves
        if task in (None, curve.settings.task) and dataset in (None, curve.settings.dataset)
    ]
