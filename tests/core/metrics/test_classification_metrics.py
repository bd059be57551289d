import numpy as np
import pytest

from core.metrics.classification import bootstrap_accuracy, classification_report, mcnemar_test


def test_bootstrap_interval_brackets_the_estimate_and_narrows_with_more_data():
    rng = np.random.default_rng(1)
    small_truth = rng.integers(0, 2, 100)
    small_pred = np.where(rng.random(100) < 0.8, small_truth, 1 - small_truth)
    large_truth = rng.integers(0, 2, 10_000)
    large_pred = np.where(rng.random(10_000) < 0.8, large_truth, 1 - large_truth)
    small = bootstrap_accuracy(small_truth, small_pred)
    large = bootstrap_accuracy(large_truth, large_pred)
    assert small.low <= small.estimate <= small.high
    assert (large.high - large.low) < (small.high - small.low) / 5
    assert large.low < 0.8 < large.high


def test_bootstrap_is_reproducible_by_seed():
    truth, pred = [0, 1, 1, 0, 1, 1, 0, 0], [0, 1, 0, 0, 1, 1, 1, 0]
    assert bootstrap_accuracy(truth, pred, seed=7) == bootstrap_accuracy(truth, pred, seed=7)


def test_bootstrap_refuses_an_empty_test_set():
    with pytest.raises(ValueError, match="at least one"):
        bootstrap_accuracy([], [])


def test_classification_report_counts_every_example_once():
    truth = np.array([0, 0, 1, 1, 2, 2])
    pred = np.array([0, 1, 1, 1, 2, 0])
    report = classification_report(truth, pred, ("a", "b", "c"))
    assert report["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert report["accuracy"] == pytest.approx(4 / 6)
    assert report["per_class_f1"]["b"] == pytest.approx(0.8)
    assert report["macro_f1"] == pytest.approx(np.mean(list(report["per_class_f1"].values())))


def test_mcnemar_exact_p_value():
    truth = np.zeros(30, dtype=int)
    first = truth.copy()
    second = truth.copy()
    second[:10] = 1  # the second model is wrong on 10 examples the first gets right
    result = mcnemar_test(truth, first, second)
    assert (result.only_first_correct, result.only_second_correct) == (10, 0)
    assert result.p_value == pytest.approx(2 * 0.5**10)


def test_mcnemar_identical_models_and_mismatched_inputs():
    truth = np.array([0, 1, 1, 0])
    assert mcnemar_test(truth, truth, truth).p_value == 1.0
    with pytest.raises(ValueError, match="same examples"):
        mcnemar_test(truth, truth, truth[:3])
