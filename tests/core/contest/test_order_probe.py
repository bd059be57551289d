"""The order probe: shuffling inside examples, and what it does to models that read order
(logistic regression on pixel positions) and to one that cannot (a bag of words)."""

import numpy as np
import pytest

from core.contest.order_probe import order_effect, order_probe, shuffle_within_examples
from core.data.image_datasets import ImageSequences
from core.data.splits import stratified_split
from core.data.text_datasets import LabelledTexts
from core.models.registry import MODELS
from core.progress import StopFlag
from core.task_names import SEQUENCE_CLASSIFICATION, TEXT_CLASSIFICATION
from core.tasks.classification import SplitDataset
from tests.core.helpers import digits_slice, polarity_texts


def _in_order_hits(spec, config, prepared: SplitDataset) -> np.ndarray:
    data, split = prepared.data, prepared.split
    model = spec.build(config, 0).fit(data.inputs[split.train], data.labels[split.train])
    return model.predict(data.inputs[split.test]) == data.labels[split.test]


def test_shuffled_texts_keep_their_words_in_a_new_seeded_order():
    texts, _ = polarity_texts()
    original = texts.copy()
    shuffled = shuffle_within_examples(texts, seed=0)
    assert np.array_equal(texts, original)  # the input is left alone
    for before, after in zip(texts, shuffled, strict=True):
        assert sorted(before.split()) == sorted(after.split())
    assert np.mean(shuffled != texts) > 0.95
    assert np.array_equal(shuffled, shuffle_within_examples(texts, seed=0))
    assert not np.array_equal(shuffled, shuffle_within_examples(texts, seed=1))


def test_shuffled_sequences_keep_each_examples_rows_in_its_own_order():
    inputs = np.random.default_rng(0).random((30, 8, 3))  # (examples, timesteps, features)
    shuffled = shuffle_within_examples(inputs, seed=4)
    assert shuffled.shape == inputs.shape and shuffled is not inputs
    orders = []
    for before, after in zip(inputs, shuffled, strict=True):
        # Where each shuffled row came from: every row appears exactly once.
        order = [int(np.flatnonzero((before == row).all(axis=1))[0]) for row in after]
        assert sorted(order) == list(range(8))
        orders.append(tuple(order))
    assert len(set(orders)) == 30  # a different permutation for each example
    assert np.array_equal(shuffled, shuffle_within_examples(inputs, seed=4))
    with pytest.raises(ValueError, match="Expected texts"):
        shuffle_within_examples(np.zeros((4, 5)), seed=0)


def _digits() -> SplitDataset:
    images, labels = digits_slice(400)
    data = ImageSequences("digits", images, labels, tuple(map(str, range(10))))
    return SplitDataset(data, stratified_split(labels, 0))


def test_shuffling_the_rows_of_digits_costs_logistic_regression_its_pixel_positions():
    spec = MODELS[(SEQUENCE_CLASSIFICATION, "logreg")]
    config, prepared = spec.default_config(), _digits()
    result = order_probe(spec, config, prepared, seed=0)
    assert result.pieces == "rows" and result.hits.shape == prepared.split.test.shape
    assert result.score_shuffled == result.hits.mean() and result.train_seconds > 0
    effect = order_effect(_in_order_hits(spec, config, prepared), result.hits, 0, result.pieces)
    assert effect.significant and effect.drop.low > 0.1
    assert effect.sentence.startswith(
        "Order carries signal: shuffling the rows inside each example costs "
    )


def test_a_bag_of_words_predicts_the_same_on_shuffled_words():
    texts, labels = polarity_texts()
    data = LabelledTexts("polarity", texts, labels, ("negative", "positive"))
    prepared = SplitDataset(data, stratified_split(labels, 0, groups=texts))
    spec = MODELS[(TEXT_CLASSIFICATION, "tfidf-logreg")]
    config = spec.config_with({"features": "words", "word_ngram_max": 1})
    result = order_probe(spec, config, prepared, seed=0)
    in_order = _in_order_hits(spec, config, prepared)
    assert 0 < in_order.mean() < 1  # right on some test texts, wrong on others
    assert np.array_equal(result.hits, in_order)
    effect = order_effect(in_order, result.hits, 0, result.pieces)
    assert not effect.significant and effect.drop.estimate == 0
    assert effect.sentence.endswith("a bag of words does as well.")


def test_a_stop_request_gives_no_result():
    spec = MODELS[(SEQUENCE_CLASSIFICATION, "logreg")]
    stop = StopFlag()
    stop.request_stop()
    assert order_probe(spec, spec.default_config(), _digits(), seed=0, observer=stop) is None
