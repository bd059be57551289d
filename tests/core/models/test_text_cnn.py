"""What the text CNN promises beyond the shared protocol: padding never changes an answer."""

import dataclasses

import numpy as np
import pytest

from core.models.cost import DataShape, estimate
from core.models.feedforward.text_cnn import TextCnnClassifier, TextCnnConfig
from tests.core.helpers import polarity_texts

TINY = {"embedding_dim": 8, "filters": 4, "batch_size": 16}


@pytest.fixture(scope="module")
def model():
    texts, labels = polarity_texts()
    config = TextCnnConfig(sequence_length=40, epochs=2, **TINY)
    return TextCnnClassifier(config, random_state=0).fit(texts[:120], labels[:120])


@pytest.mark.parametrize(
    "text",
    ["", "dull", "a moving film", "a gripping , moving film that never lets go of you"],
)
def test_padding_does_not_change_a_texts_prediction(model, text):
    ids = np.asarray(model.model_.get_layer("tokens")(np.array([text], dtype=object)))
    length = int(np.count_nonzero(ids))
    assert ids.shape == (1, 40)
    network = model.model_.get_layer("classifier")
    padded = np.asarray(network(ids))
    for variant in (ids[:, : max(length, 1)], np.pad(ids, ((0, 0), (0, 300)))):
        np.testing.assert_allclose(np.asarray(network(variant)), padded, atol=1e-6)


def test_a_tiny_fit_learns_the_word_that_decides_the_label():
    texts = np.array([f"{word} {filler} day" for word in ("good", "bad") for filler in "abcdefgh"])
    labels = np.array(["positive"] * 8 + ["negative"] * 8)
    config = TextCnnConfig(epochs=30, learning_rate=0.01, dropout=0.0, widths="1,2,3", **TINY)
    model = TextCnnClassifier(config, random_state=0).fit(texts, labels)
    assert model.score(texts, labels) == 1.0
    assert model.predict(["a good day", "a bad day"]).tolist() == ["positive", "negative"]
    assert model.history_[-1]["loss"] < model.history_[0]["loss"]


def test_the_cost_estimate_counts_the_networks_parameters(model):
    vocabulary = model.model_.get_layer("tokens").get_vocabulary()
    config = dataclasses.replace(model.config, vocabulary_size=len(vocabulary))
    cost = estimate("text-classification", config, DataShape(120, 40, 0, classes=2))
    assert cost.parameters == model.count_params()
    assert cost.steps == 2 * 8  # two epochs of 120 texts in batches of 16, the last short
