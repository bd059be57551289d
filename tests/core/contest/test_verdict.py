"""The verdict's statistics on hand-checkable cases, and how it picks and describes a pair."""

import numpy as np
import pytest

from core.contest.verdict import NoVerdict, verdict
from core.metrics.classification import mcnemar_test, paired_difference
from core.paths import store_url
from core.runs.store import RunStore
from core.task_names import SEQUENCE_CLASSIFICATION

TRUTH = np.zeros(100, dtype=int)


def _predictions(hits: int) -> np.ndarray:
    """Right on the first `hits` of the 100 examples, wrong (class 1) on the rest."""
    return np.where(np.arange(100) < hits, 0, 1)


def test_identical_outcomes_give_no_difference_and_p_one():
    hits = np.arange(100) % 3 == 0
    difference = paired_difference(hits, hits)
    assert (difference.estimate, difference.low, difference.high) == (0.0, 0.0, 0.0)
    assert mcnemar_test(TRUTH, _predictions(60), _predictions(60)).p_value == 1.0


def test_mcnemar_exact_by_hand():
    # 3 examples only the second gets right, none the other way: p = 2 * 0.5**3.
    result = mcnemar_test(TRUTH, _predictions(50), _predictions(53))
    assert (result.only_first_correct, result.only_second_correct) == (0, 3)
    assert result.p_value == pytest.approx(0.25)


def test_a_clear_winner_has_a_small_p_and_an_interval_around_its_margin():
    first, second = _predictions(50) == TRUTH, _predictions(90) == TRUTH
    difference = paired_difference(first, second, seed=3)
    assert difference.estimate == pytest.approx(0.4)
    # 40 of 100 paired differences are +1: the bootstrap's spread is about sqrt(.4*.6/100).
    assert 0.28 < difference.low < 0.4 < difference.high < 0.52
    assert mcnemar_test(TRUTH, _predictions(50), _predictions(90)).p_value < 1e-9


def test_the_interval_is_paired_not_two_independent_ones():
    # The second model is right exactly where the first is, plus 2 more: the paired interval
    # is narrow, where two independent 95% intervals on 50% and 52% would overlap widely.
    first, second = _predictions(50) == TRUTH, _predictions(52) == TRUTH
    difference = paired_difference(first, second)
    assert 0 <= difference.low <= 0.02 <= difference.high <= 0.05


def _stored(
    store,
    model,
    hits,
    seconds,
    seed=0,
    fingerprint="same",
    visitor=None,
    epochs=None,
    stopped=False,
):
    run_id = store.create_run(
        SEQUENCE_CLASSIFICATION,
        "digits",
        model,
        {} if epochs is None else {"epochs": epochs[1]},
        seed,
        {"test_fingerprint": fingerprint},
        visitor,
    )
    artifact = store.artifact_path(run_id, ".npz")
    artifact.parent.mkdir(parents=True, exist_ok=True)
    artifact.write_bytes(b"not a model; the verdict never loads it")
    store.finish(
        run_id,
        status="stopped" if stopped else "finished",
        metrics={
            "accuracy": hits / 100,
            "accuracy_low": 0.0,
            "accuracy_high": 1.0,
            **({} if epochs is None else {"epochs_trained": epochs[0]}),
        },
        train_seconds=seconds,
        predict_ms=0.1,
        param_count=10,
        artifact_path=str(artifact),
        message="",
        y_true=TRUTH,
        y_pred=_predictions(hits),
    )
    return run_id


@pytest.fixture
def store():
    return RunStore(store_url())


def test_verdict_names_the_winner_margin_interval_p_and_cost(store):
    _stored(store, "logreg", 50, seconds=2.0)
    _stored(store, "lstm", 90, seconds=80.0)
    found = verdict(store, SEQUENCE_CLASSIFICATION, "digits")
    assert found.significant and found.cost_ratio == pytest.approx(40)
    sentence = found.sentence
    assert sentence.startswith(
        "On digits, LSTM is 40.0 points better than logistic regression in test accuracy (95% CI"
    )
    assert "McNemar p < 0.001, 100 test examples); LSTM takes 40x longer to train." in sentence


def test_verdict_says_no_significant_difference_when_there_is_none(store):
    _stored(store, "logreg", 60, seconds=2.0)
    _stored(store, "gru", 61, seconds=3.0)
    found = verdict(store, SEQUENCE_CLASSIFICATION, "digits")
    assert not found.significant
    assert found.sentence.startswith(
        "On digits, no significant difference between GRU and logistic regression in test "
        "accuracy (GRU +1.0 points, 95% CI"
    )
    assert "McNemar p = 1" in found.sentence and "GRU takes 1.5x longer to train." in found.sentence


def test_a_winning_baseline_is_named_first(store):
    _stored(store, "logreg", 90, seconds=2.0)
    _stored(store, "lstm", 50, seconds=1.0)
    sentence = verdict(store, SEQUENCE_CLASSIFICATION, "digits").sentence
    assert "logistic regression is 40.0 points better than LSTM" in sentence
    assert "LSTM trains 2.0x faster" in sentence


def test_a_stopped_or_short_trained_contender_is_said_to_be_so(store):
    _stored(store, "logreg", 90, seconds=2.0)
    _stored(store, "lstm", 50, seconds=1.0, epochs=(2, 40), stopped=True)
    sentence = verdict(store, SEQUENCE_CLASSIFICATION, "digits").sentence
    assert sentence.endswith(
        "LSTM was stopped after 2 of its 40 epochs, so its score may understate what it can do."
    )
    _stored(store, "gru", 60, seconds=1.0, epochs=(3, 3))
    sentence = verdict(store, SEQUENCE_CLASSIFICATION, "digits").sentence
    assert "GRU trained 3 epochs, fewer than its default 40, so its score may" in sentence


def test_a_missing_family_gets_a_message(store):
    _stored(store, "logreg", 90, seconds=2.0)
    with pytest.raises(NoVerdict, match="No neural run with test results on digits"):
        verdict(store, SEQUENCE_CLASSIFICATION, "digits")


def test_the_best_comparable_pair_is_chosen_and_said_so(store):
    _stored(store, "logreg", 70, seconds=1.0, seed=0, fingerprint="a")
    paired_lstm = _stored(store, "lstm", 80, seconds=9.0, seed=0, fingerprint="a")
    _stored(store, "logreg", 95, seconds=1.0, seed=1, fingerprint="b")  # best, but unpaired
    found = verdict(store, SEQUENCE_CLASSIFICATION, "digits")
    assert found.neural.id == paired_lstm and found.baseline.metrics["accuracy"] == 0.7
    assert "different test examples" in found.note and "(seed 0)" in found.note


def test_no_pair_on_the_same_test_set_gets_a_message(store):
    _stored(store, "logreg", 70, seconds=1.0, seed=0, fingerprint="a")
    _stored(store, "lstm", 80, seconds=9.0, seed=1, fingerprint="b")
    with pytest.raises(NoVerdict, match="Train both with the same seed"):
        verdict(store, SEQUENCE_CLASSIFICATION, "digits")


def test_a_visitors_verdict_leaves_out_other_visitors_runs(store):
    shared = _stored(store, "logreg", 50, seconds=2.0)
    mine = _stored(store, "lstm", 70, seconds=8.0, visitor="me")
    _stored(store, "logreg", 95, seconds=2.0, visitor="someone-else")
    found = verdict(store, SEQUENCE_CLASSIFICATION, "digits", visitor="me")
    assert (found.baseline.id, found.neural.id) == (shared, mine)
    assert verdict(store, SEQUENCE_CLASSIFICATION, "digits").baseline.id != shared  # all runs
    with pytest.raises(NoVerdict, match="No neural run"):
        verdict(store, SEQUENCE_CLASSIFICATION, "digits", visitor="someone-else")
