"""Learning curves: seeded stratified subsets, the crossover, caching, and a stop."""

import numpy as np
import pytest

from core.contest.learning_curves import (
    CurveObserver,
    CurvePoint,
    CurveSettings,
    LearningCurve,
    cached_curves,
    learning_curve,
    parse_fractions,
    save_curve,
    training_subset,
)
from core.errors import UserFacingError
from core.task_names import SEQUENCE_CLASSIFICATION

LABELS = np.repeat([0, 1, 2, 3], [40, 30, 20, 10])  # 100 examples, unbalanced
TRAIN = np.arange(1000, 1100)  # indices into a dataset, not positions


def test_a_subset_is_seeded_stratified_and_drawn_from_the_training_indices():
    subset = training_subset(TRAIN, 0.5, seed=1, labels=LABELS)
    assert len(subset) == 50 and set(subset) <= set(TRAIN)
    counts = np.bincount(LABELS[np.searchsorted(TRAIN, subset)])
    assert counts.tolist() == [20, 15, 10, 5]  # the class proportions of the whole part
    assert np.array_equal(subset, training_subset(TRAIN, 0.5, seed=1, labels=LABELS))
    assert not np.array_equal(subset, training_subset(TRAIN, 0.5, seed=2, labels=LABELS))
    assert np.array_equal(training_subset(TRAIN, 1.0, seed=5, labels=LABELS), TRAIN)


def test_a_subset_without_labels_is_seeded_and_too_small_a_stratified_one_is_refused():
    unlabelled = training_subset(TRAIN, 0.1, seed=0)
    assert len(set(unlabelled)) == 10 and np.array_equal(unlabelled, training_subset(TRAIN, 0.1, 0))
    with pytest.raises(UserFacingError, match="too few to hold every one of its 4 classes"):
        training_subset(TRAIN, 0.02, seed=0, labels=LABELS)


def test_fractions_are_parsed_sorted_and_checked():
    assert parse_fractions("1, 0.25,0.1,0.25") == (0.1, 0.25, 1.0)
    for bad in ("0,0.5", "0.5,1.5", "half", ""):
        with pytest.raises(UserFacingError):
            parse_fractions(bad)


def _curve(means: dict[str, list[float]], fractions=(0.1, 0.25, 0.5, 1.0)) -> LearningCurve:
    """Two seeds per point, spread +-0.01 around the given mean."""
    settings = CurveSettings(SEQUENCE_CLASSIFICATION, "digits", "logreg", "lstm", fractions, 2)
    points = [
        CurvePoint(fraction, int(fraction * 1000), name, "?", seed, mean + offset, 1.0)
        for name, values in means.items()
        for fraction, mean in zip(fractions, values, strict=True)
        for seed, offset in enumerate((-0.01, 0.01))
    ]
    return LearningCurve(settings, "accuracy", "accuracy", points, complete=True)


def test_crossover_is_where_the_neural_model_stays_ahead():
    curve = _curve({"logreg": [0.8, 0.85, 0.9, 0.92], "lstm": [0.7, 0.87, 0.89, 0.95]})
    # Ahead at 25%, behind at 50%: it stays ahead only from 100%.
    assert curve.crossover() == {"fraction": 1.0, "examples": 1000}
    assert curve.crossover_text() == (
        "LSTM is ahead of Logistic regression from 1,000 training examples (100% of the "
        "training set) on."
    )
    curve = _curve({"logreg": [0.8, 0.85, 0.9, 0.92], "lstm": [0.7, 0.87, 0.91, 0.95]})
    assert curve.crossover() == {"fraction": 0.25, "examples": 250}
    curve = _curve({"logreg": [0.8, 0.85, 0.9, 0.92], "lstm": [0.7, 0.87, 0.91, 0.9]})
    assert curve.crossover() is None
    assert "never overtakes" in curve.crossover_text()


def test_summary_gives_the_mean_and_a_t_interval_over_seeds():
    row = _curve({"logreg": [0.8], "lstm": [0.9]}, fractions=(1.0,)).summary()[0]
    # Two values 0.79 and 0.81: sd 0.01414, t(0.975, 1) = 12.706, half-width 12.706 * 0.01.
    assert row["mean"] == pytest.approx(0.8) and row["seeds"] == 2
    assert row["high"] - row["mean"] == pytest.approx(0.12706, abs=1e-4)


def test_a_curve_round_trips_through_its_cache_file():
    curve = _curve({"logreg": [0.8, 0.85, 0.9, 0.92], "lstm": [0.7, 0.87, 0.91, 0.95]})
    save_curve(curve)
    (loaded,) = cached_curves(SEQUENCE_CLASSIFICATION, "digits")
    assert loaded == curve
    assert cached_curves(SEQUENCE_CLASSIFICATION, "mnist-5k") == []


def test_a_visitors_curve_is_theirs_and_a_shared_one_everyones():
    """As with runs: a hosted visitor sees the shared curves and their own, not another's."""
    shared = _curve({"logreg": [0.8], "lstm": [0.9]}, fractions=(1.0,))
    own = _curve({"logreg": [0.7], "lstm": [0.6]}, fractions=(1.0,))
    save_curve(shared)
    save_curve(own, visitor="a" * 32)
    assert cached_curves(visitor="a" * 32) == [own, shared]
    assert cached_curves(visitor="b" * 32) == cached_curves() == [shared]


class _StopInTheNeuralFit(CurveObserver):
    def __init__(self):
        self.begun, self.batches = [], 0

    def on_point_begin(self, index, total, description):
        self.begun.append(description)

    def on_batch_end(self, epoch, step, logs):
        self.batches += 1

    def should_stop(self):
        return self.batches > 0 and "LSTM" in self.begun[-1]


def test_a_stop_keeps_the_scored_points_and_drops_the_one_in_training():
    settings = CurveSettings(
        SEQUENCE_CLASSIFICATION,
        "digits",
        "logreg",
        "lstm",
        fractions=(0.25, 1.0),
        seeds=1,
        model_settings={"epochs": 1, "units": 8},
    )
    curve = learning_curve(settings, _StopInTheNeuralFit())
    assert not curve.complete and "1 of 4 points" in curve.message
    (point,) = curve.points
    assert (point.model, point.fraction, point.seed) == ("logreg", 0.25, 0)
    assert point.examples == round(0.25 * 1293) and 0.8 < point.metric <= 1.0
    assert curve.crossover() is None


def test_tasks_without_a_subsettable_training_part_are_refused():
    settings = CurveSettings("text-prediction", "hamlet", "ngram", "word-lstm")
    with pytest.raises(UserFacingError, match="not available for text-prediction"):
        learning_curve(settings)
    settings = CurveSettings(SEQUENCE_CLASSIFICATION, "digits", "lstm", "gru")
    with pytest.raises(UserFacingError, match="lstm is a neural model; choose a baseline"):
        learning_curve(settings)
