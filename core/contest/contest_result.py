"""What a contest found, and the verdict sentence that names the rung to pick and why.

The verdict reads the tuned best of each side against each other (a paired difference with
its bootstrap interval, McNemar's test) and both against the majority floor. When the two
are not told apart, the cheaper one to train is the pick. It says when a contender was cut
before its planned epochs (successive halving, the budget, a stop), since its score may then
understate it, and it carries the forecast's and the order probe's own sentences.
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.contest.sweeps import Sweep, Trial
from core.contest.wording import SIGNIFICANCE_LEVEL, mid_sentence, p_text, times
from core.metrics.classification import Interval, McNemarResult
from core.runs.store import RunRecord


@dataclass(frozen=True)
class Rung:
    """One model of the ladder and its sweep (the trials it got within its share)."""

    model: str
    title: str
    family: str
    sweep: Sweep
    seconds: float


@dataclass(frozen=True)
class Contender:
    """A side's tuned best: its rung, and the run that scored its model once on test."""

    rung: Rung
    run: RunRecord
    y_true: np.ndarray
    predictions: np.ndarray
    megabytes: float | None

    @property
    def hits(self) -> np.ndarray:
        return self.y_true == self.predictions

    @property
    def score(self) -> float:
        return float(self.run.metrics["accuracy"])

    @property
    def trial(self) -> Trial:
        return self.rung.sweep.best

    @property
    def cut_note(self) -> str:
        """Why the score may understate the model: it trained fewer epochs than planned."""
        trial = self.trial
        if trial.complete:
            return ""
        return (
            f"{self.rung.title}'s best trial was {trial.note} after "
            f"{trial.epochs_trained} of {trial.epochs_planned} epochs, so its score may "
            "understate it"
        )


@dataclass(frozen=True)
class ContestResult:
    task: str
    dataset: str
    seed: int
    budget_seconds: float
    tuning_seconds: float
    split: dict
    fingerprint: str
    rungs: tuple[Rung, ...]
    floor: float  # the majority floor's test accuracy
    contenders: dict  # side -> Contender
    difference: Interval | None  # neural minus baseline test accuracy, paired
    test: McNemarResult | None
    stopped: bool
    forecast: Any = None  # core/contest/forecast.py Forecast
    probes: dict = field(default_factory=dict)  # side -> core/contest/order_probe.py effect

    @classmethod
    def judged(cls, *, comparison, **values) -> "ContestResult":
        difference, test = comparison if comparison else (None, None)
        return cls(difference=difference, test=test, **values)

    def with_extras(self, **values) -> "ContestResult":
        return dataclasses.replace(self, **values)

    @property
    def significant(self) -> bool:
        return self.test is not None and self.test.p_value < SIGNIFICANCE_LEVEL

    @property
    def pick(self) -> Contender | None:
        """The contender to use: the significantly better one, else the cheaper to train."""
        if len(self.contenders) < 2:
            return next(iter(self.contenders.values()), None)
        baseline, neural = self.contenders["baseline"], self.contenders["neural"]
        if self.significant:
            return neural if self.difference.estimate > 0 else baseline
        return min((baseline, neural), key=lambda contender: contender.run.train_seconds or 0)

    @property
    def verdict(self) -> str:
        """The decision in a few sentences: what to pick and why, and what to keep in mind."""
        if len(self.contenders) < 2:
            missing = [side for side in ("baseline", "neural") if side not in self.contenders]
            return (
                f"No verdict on {self.dataset}: no {' or '.join(missing)} rung finished a "
                "trial" + (" before the contest was stopped." if self.stopped else ".")
            )
        sentences = [self._decision(), self._floor_sentence()]
        sentences += [contender.cut_note for contender in self.contenders.values()]
        if self.stopped:
            sentences.append(
                "The contest was stopped early: rungs not reached were not tuned, and the "
                "forecast and the order probe were not run"
            )
        if self.forecast is not None:
            sentences.append(self.forecast.sentence.rstrip("."))
        sentences += [
            f"Order probe for {self.contenders[side].rung.title}: {probe.sentence.rstrip('.')}"
            for side, probe in self.probes.items()
        ]
        return " ".join(f"{sentence}." for sentence in sentences if sentence)

    def _decision(self) -> str:
        baseline, neural = self.contenders["baseline"], self.contenders["neural"]
        pick = self.pick
        other = neural if pick is baseline else baseline
        # Said from the higher scorer's side: the difference is neural minus baseline.
        ahead, behind = (neural, baseline) if self.difference.estimate >= 0 else (baseline, neural)
        sign = 1 if ahead is neural else -1
        estimate = 100 * sign * self.difference.estimate
        bounds = (self.difference.low, self.difference.high)
        low, high = sorted(100 * sign * bound for bound in bounds)
        interval = (
            f"95% CI {low:+.1f} to {high:+.1f}, McNemar {p_text(self.test.p_value)}, "
            f"{self.test_examples:,} test examples"
        )
        cost = _cost_words(pick, other)
        if self.significant:
            return (
                f"Pick {pick.rung.title} ({pick.rung.family}): it beats the tuned "
                f"{mid_sentence(other.rung.title)} by {estimate:.1f} points of test accuracy "
                f"({interval}){cost}"
            )
        return (
            f"Pick {pick.rung.title} ({pick.rung.family}), the cheaper to train: the tuned "
            f"{mid_sentence(ahead.rung.title)} scores {estimate:+.1f} points of test accuracy "
            f"against {mid_sentence(behind.rung.title)} ({interval}), a difference McNemar's "
            f"test does not find significant{cost}"
        )

    def _floor_sentence(self) -> str:
        below = [
            contender.rung.title
            for contender in self.contenders.values()
            if contender.score <= self.floor
        ]
        if below:
            return (
                f"{' and '.join(below)} do{'es' if len(below) == 1 else ''} not clear the "
                f"majority floor of {self.floor:.1%}: predicting the most frequent label does "
                "as well"
            )
        return f"Both clear the majority floor of {self.floor:.1%}"

    @property
    def test_examples(self) -> int:
        return int(next(iter(self.contenders.values())).y_true.size)

    def to_dict(self) -> dict:
        """Everything the decision memo's JSON holds, as plain JSON types."""
        return {
            "task": self.task,
            "dataset": self.dataset,
            "dataset_fingerprint": self.fingerprint,
            "seed": self.seed,
            "split": self.split,
            "budget_seconds": self.budget_seconds,
            "tuning_seconds": self.tuning_seconds,
            "stopped": self.stopped,
            "majority_floor": self.floor,
            "rungs": [_rung_dict(rung) for rung in self.rungs],
            "contenders": {
                side: _contender_dict(contender) for side, contender in self.contenders.items()
            },
            "difference": None if self.difference is None else vars(self.difference),
            "mcnemar": None if self.test is None else vars(self.test),
            "pick": None if self.pick is None else self.pick.rung.model,
            "verdict": self.verdict,
            "forecast": None if self.forecast is None else _plain(self.forecast),
            "order_probes": {side: _plain(probe) for side, probe in self.probes.items()},
        }


def _plain(value: Any) -> Any:
    """A dataclass as JSON types: infinities (an interval open past the forecast's reach)
    become None."""

    def clean(item):
        if isinstance(item, dict):
            return {key: clean(inner) for key, inner in item.items()}
        if isinstance(item, list | tuple):
            return [clean(inner) for inner in item]
        if isinstance(item, float) and not np.isfinite(item):
            return None
        return item

    return clean(dataclasses.asdict(value))


def _rung_dict(rung: Rung) -> dict:
    best = rung.sweep.best
    return {
        "model": rung.model,
        "title": rung.title,
        "family": rung.family,
        "sweep": rung.sweep.id,
        "seconds": rung.seconds,
        "trials": len(rung.sweep.trials),
        "complete_trials": sum(trial.complete for trial in rung.sweep.trials),
        "best": None if best is None else dataclasses.asdict(best),
    }


def _contender_dict(contender: Contender) -> dict:
    run = contender.run
    return {
        "model": run.model,
        "run": run.id,
        "config": run.config,
        "validation_accuracy": contender.trial.score,
        "test_accuracy": contender.score,
        "test_accuracy_interval": [run.metrics["accuracy_low"], run.metrics["accuracy_high"]],
        "macro_f1": run.metrics["macro_f1"],
        "train_seconds": run.train_seconds,
        "predict_ms": run.predict_ms,
        "parameters": run.param_count,
        "megabytes": contender.megabytes,
        "cut": contender.cut_note,
    }


def _cost_words(pick: Contender, other: Contender) -> str:
    """ "; logistic regression trains 12x faster than LSTM" or "; LSTM takes 3.1x longer to
    train than ..."."""
    mine, theirs = pick.run.train_seconds, other.run.train_seconds
    if not mine or not theirs:
        return ""
    pick_title, other_title = mid_sentence(pick.rung.title), mid_sentence(other.rung.title)
    if mine <= theirs:
        return f"; {pick_title} trains {times(theirs / mine)} faster than {other_title}"
    return f"; {pick_title} takes {times(mine / theirs)} longer to train than {other_title}"
