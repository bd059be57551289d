"""The verdict for one task and dataset: does the best neural run earn its cost over the best
baseline?

Both runs must have been scored on the very same test examples (same dataset, test split and
seed; the seed also fixes a replier's candidates), so the comparison is paired: the
difference in their hit rate gets a paired bootstrap interval, and McNemar's exact test asks
whether the examples only one of them gets right split more unevenly than chance. Every task's
stored predictions are per-example hits or misses (core/tasks/metrics.py), so McNemar's test
applies to all of them. The answer is one sentence with the training-cost ratio.
"""

from dataclasses import dataclass

import numpy as np

from core.contest.wording import SIGNIFICANCE_LEVEL, mid_sentence, p_text, times
from core.errors import UserFacingError
from core.metrics.classification import Interval, McNemarResult, mcnemar_test, paired_difference
from core.models.registry import MODELS
from core.runs.store import RunRecord, RunStore
from core.tasks.metrics import Metric
from core.tasks.registry import REGISTERED, main_metric


class NoVerdict(UserFacingError):
    """There is no pair of runs to judge; the message says what to train."""


@dataclass(frozen=True)
class Verdict:
    task: str
    dataset: str
    baseline: RunRecord
    neural: RunRecord
    metric: Metric  # the per-example hit rate the difference and the test are on
    difference: Interval  # neural minus baseline, as a fraction
    test: McNemarResult
    test_examples: int
    cost_ratio: float | None  # neural training seconds over the baseline's
    note: str = ""  # why this pair, when it is not the best run of each family

    @property
    def significant(self) -> bool:
        return self.test.p_value < SIGNIFICANCE_LEVEL

    @property
    def sentence(self) -> str:
        neural, baseline = _name(self.neural), _name(self.baseline)
        estimate, low, high = (
            100 * value
            for value in (self.difference.estimate, self.difference.low, self.difference.high)
        )
        if self.significant:
            winner, loser = neural, baseline
            if estimate < 0:  # say it from the winner's side
                winner, loser, estimate, low, high = baseline, neural, -estimate, -high, -low
            judged = (
                f"{winner} is {estimate:.1f} points better than {loser} in test "
                f"{self.metric.title} ({self._evidence(low, high)})"
            )
        else:
            judged = (
                f"no significant difference between {neural} and {baseline} in test "
                f"{self.metric.title} ({neural} {estimate:+.1f} points, "
                f"{self._evidence(low, high)})"
            )
        caveats = [note for note in map(training_caveat, (self.baseline, self.neural)) if note]
        said = f"On {self.dataset}, {judged}{self._cost(neural)}."
        if caveats:
            whose = "its score" if len(caveats) == 1 else "their scores"
            said += f" {' and '.join(caveats)}, so {whose} may understate what it can do."
        return said

    def _evidence(self, low: float, high: float) -> str:
        unit = "tokens" if self.metric.title == "token accuracy" else "examples"
        return (
            f"95% CI {low:.1f} to {high:.1f}, McNemar {p_text(self.test.p_value)}, "
            f"{self.test_examples:,} test {unit}"
        )

    def _cost(self, neural: str) -> str:
        if self.cost_ratio is None:
            return ""
        if self.cost_ratio >= 1:
            return f"; {neural} takes {times(self.cost_ratio)} longer to train"
        return f"; {neural} trains {times(1 / self.cost_ratio)} faster"


def training_caveat(run: RunRecord) -> str:
    """Why a run's score may understate its model: it was stopped before its planned epochs,
    or it planned fewer epochs than the model's default; "" when neither."""
    spec = MODELS.get((run.task, run.model))
    planned = run.config.get("epochs")
    if spec is None or not planned:
        return ""
    trained = run.metrics.get("epochs_trained", len(run.history))
    default = getattr(spec.default_config(), "epochs", None)
    name = _name(run)
    name = name[0].upper() + name[1:]
    if run.status == "stopped":
        return f"{name} was stopped after {trained} of its {planned} epochs"
    if default and planned < default:
        return f"{name} trained {planned} epochs, fewer than its default {default}"
    return ""


def _name(run: RunRecord) -> str:
    """The run's model as it reads mid-sentence."""
    return mid_sentence(MODELS[(run.task, run.model)].title)


def _score(run: RunRecord) -> float:
    return run.metrics[main_metric(run.task, run.metrics).key]


def _pairing(run: RunRecord) -> tuple:
    """Runs with equal keys were scored on the same test examples."""
    return run.seed, run.split.get("test_fingerprint")


def _candidates(
    store: RunStore, task: str, dataset: str, visitor: str | None
) -> dict[str, list[RunRecord]]:
    """Scored runs of each family (finished, or stopped with a partly trained model)."""
    families = {"baseline": [], "neural": []}
    for run in store.list_runs(task=task, dataset=dataset, visitor=visitor):
        spec = MODELS.get((run.task, run.model))
        if spec and run.status in ("finished", "stopped") and main_metric(task, run.metrics):
            families[spec.family].append(run)
    return families


def _choose_pair(baselines: list[RunRecord], neurals: list[RunRecord]) -> tuple:
    """The best run of each family if they pair up, else the best pair that does, and a note."""
    best_baseline, best_neural = max(baselines, key=_score), max(neurals, key=_score)
    if _pairing(best_baseline) == _pairing(best_neural):
        return best_baseline, best_neural, ""
    pairs = [
        (
            max((run for run in baselines if _pairing(run) == key), key=_score),
            max((run for run in neurals if _pairing(run) == key), key=_score),
        )
        for key in {_pairing(run) for run in baselines} & {_pairing(run) for run in neurals}
    ]
    if not pairs:
        raise NoVerdict(
            f"The baseline runs and the neural runs were scored on different test examples "
            f"(best baseline: seed {best_baseline.seed}; best neural: seed {best_neural.seed}), "
            "so no paired comparison applies. Train both with the same seed."
        )
    baseline, neural = max(pairs, key=lambda pair: (max(map(_score, pair)), min(map(_score, pair))))
    return (
        baseline,
        neural,
        f"The best baseline (run {best_baseline.id}, seed {best_baseline.seed}) and the best "
        f"neural run (run {best_neural.id}, seed {best_neural.seed}) were scored on different "
        f"test examples, so this compares the best pair scored on the same ones (seed "
        f"{baseline.seed}).",
    )


def verdict(
    store: RunStore, task: str, dataset: str, seed: int = 0, visitor: str | None = None
) -> Verdict:
    """The best baseline against the best neural run on `dataset`, paired on its test set.

    `seed` seeds the bootstrap; given a hosted-mode `visitor`, only that visitor's runs and
    the shared ones take part (RunStore.list_runs). Raises NoVerdict when a family has no
    scored run or no baseline and neural run share a test set.
    """
    known = REGISTERED.get(task)
    metrics = known.metrics if known else None
    if metrics is None:
        raise NoVerdict(f"{task} has no verdict: its runs have no shared test metric.")
    families = _candidates(store, task, dataset, visitor)
    missing = [family for family, runs in families.items() if not runs]
    if missing:
        raise NoVerdict(
            f"No {' or '.join(missing)} run with test results on {dataset} yet: train "
            f"{'one of each' if len(missing) == 2 else 'one'} to get a verdict."
        )
    baseline, neural, note = _choose_pair(families["baseline"], families["neural"])
    y_true, baseline_pred = store.predictions(baseline.id)
    neural_true, neural_pred = store.predictions(neural.id)
    if not np.array_equal(y_true, neural_true):
        raise NoVerdict(
            f"Runs {baseline.id} and {neural.id} share a split but their stored test labels "
            "differ, so they cannot be paired."
        )
    baseline_hits, neural_hits = baseline_pred == y_true, neural_pred == y_true
    seconds = (baseline.train_seconds, neural.train_seconds)
    return Verdict(
        task=task,
        dataset=dataset,
        baseline=baseline,
        neural=neural,
        metric=metrics.paired,
        difference=paired_difference(baseline_hits, neural_hits, seed=seed),
        test=mcnemar_test(y_true, neural_pred, baseline_pred),
        test_examples=int(y_true.size),
        cost_ratio=seconds[1] / seconds[0] if all(seconds) else None,
        note=note,
    )
