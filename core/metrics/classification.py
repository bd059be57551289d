"""Classification metrics on held-out data, with uncertainty, and paired model comparison."""

from dataclasses import dataclass

import numpy as np

BOOTSTRAP_RESAMPLES = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval."""

    estimate: float
    low: float
    high: float


def bootstrap_mean(values, seed: int = 0, resamples: int = BOOTSTRAP_RESAMPLES) -> Interval:
    """The mean of per-example values (1/0 hits, reciprocal ranks) with a percentile bootstrap
    interval over the examples."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("A mean needs at least one test example.")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, values.size, size=(resamples, values.size))
    means = values[draws].mean(axis=1)
    tail = (1 - CONFIDENCE) / 2
    return Interval(
        float(values.mean()), float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))
    )


def bootstrap_accuracy(
    y_true, y_pred, seed: int = 0, resamples: int = BOOTSTRAP_RESAMPLES
) -> Interval:
    """Accuracy with a percentile bootstrap interval over test examples."""
    correct = np.asarray(y_true) == np.asarray(y_pred)
    if correct.size == 0:
        raise ValueError("Accuracy needs at least one test example.")
    return bootstrap_mean(correct, seed, resamples)


def classification_report(y_true, y_pred, class_names: tuple[str, ...], seed: int = 0) -> dict:
    """Everything the store records about a classifier on its test set, as plain JSON types."""
    from sklearn.metrics import confusion_matrix, f1_score

    labels = list(range(len(class_names)))
    accuracy = bootstrap_accuracy(y_true, y_pred, seed=seed)
    per_class = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    return {
        "accuracy": accuracy.estimate,
        "accuracy_low": accuracy.low,
        "accuracy_high": accuracy.high,
        "macro_f1": float(np.mean(per_class)),
        "per_class_f1": {
            name: float(score) for name, score in zip(class_names, per_class, strict=True)
        },
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "test_examples": int(len(y_true)),
    }


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's exact test on two classifiers' predictions for the same examples."""

    only_first_correct: int
    only_second_correct: int
    p_value: float

    @property
    def discordant(self) -> int:
        return self.only_first_correct + self.only_second_correct


def mcnemar_test(y_true, first_pred, second_pred) -> McNemarResult:
    """Exact (binomial) McNemar test: do the two models err on different examples by chance?

    The exact form is valid for any number of disagreements, unlike the chi-squared
    approximation, which needs many.
    """
    from scipy.stats import binomtest

    y_true, first_pred, second_pred = map(np.asarray, (y_true, first_pred, second_pred))
    if not (y_true.shape == first_pred.shape == second_pred.shape):
        raise ValueError("McNemar's test needs both models' predictions on the same examples.")
    first_correct = first_pred == y_true
    second_correct = second_pred == y_true
    only_first = int(np.sum(first_correct & ~second_correct))
    only_second = int(np.sum(~first_correct & second_correct))
    if only_first + only_second == 0:
        return McNemarResult(0, 0, 1.0)
    p_value = binomtest(only_first, only_first + only_second, 0.5).pvalue
    return McNemarResult(only_first, only_second, float(p_value))


def paired_difference(
    first_correct, second_correct, seed: int = 0, resamples: int = BOOTSTRAP_RESAMPLES
) -> Interval:
    """Second's hit rate minus first's on the same examples, with a paired percentile
    bootstrap interval: each resample draws examples, keeping both models' outcomes on them.

    Per example the difference is -1, 0 or +1, so a resample's mean depends only on how many
    of each it draws: a multinomial draw of those counts is the same bootstrap without an
    array of resamples by examples (a tagger has tens of thousands of test tokens).
    """
    first, second = np.asarray(first_correct, bool), np.asarray(second_correct, bool)
    if first.shape != second.shape or first.size == 0:
        raise ValueError("A paired difference needs both models' outcomes on the same examples.")
    differences = second.astype(int) - first.astype(int)
    shares = [np.mean(differences == value) for value in (-1, 0, 1)]
    counts = np.random.default_rng(seed).multinomial(first.size, shares, size=resamples)
    means = (counts[:, 2] - counts[:, 0]) / first.size
    tail = (1 - CONFIDENCE) / 2
    return Interval(
        float(differences.mean()),
        float(np.quantile(means, tail)),
        float(np.quantile(means, 1 - tail)),
    )
