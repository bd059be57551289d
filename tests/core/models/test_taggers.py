"""What every tagger does beyond the shared protocol checks, on word segmentation of a few Lee
articles: variable lengths, padding, batch passes, bad tags, words and shapes."""

import numpy as np
import pytest

from core.data.corpora import load_corpus
from core.data.segmentation import segmentation_examples
from core.models.baselines.window_tagger import (
    SHAPES,
    WindowTagger,
    WindowTaggerConfig,
    token_shape,
)
from core.models.recurrent.tagger import RecurrentTagger, RecurrentTaggerConfig

TINY_CONFIGS = {
    WindowTagger: WindowTaggerConfig(window=2, hash_bits=12, epochs=3, iterations_per_epoch=1),
    RecurrentTagger: RecurrentTaggerConfig(
        embedding_dim=8, units=8, layers=1, epochs=2, batch_size=16
    ),
}
GRU_CONFIG = RecurrentTaggerConfig(
    cell="gru", embedding_dim=8, units=8, layers=2, epochs=1, batch_size=16
)
TAGGERS = pytest.mark.parametrize("tagger_class", list(TINY_CONFIGS), ids=lambda cls: cls.__name__)


def segmentation_data(documents: slice = slice(0, 3)) -> tuple[list[str], list[np.ndarray]]:
    examples = segmentation_examples(load_corpus("lee").documents[documents], max_chars=60)
    return [example.characters for example in examples], [
        np.array(example.labels) for example in examples
    ]


def tiny(tagger_class, seed: int = 0):
    return tagger_class(TINY_CONFIGS[tagger_class], random_state=seed)


@TAGGERS
def test_fit_predict_save_load_on_variable_lengths(tagger_class, tmp_path):
    sequences, tags = segmentation_data()
    test_sequences, test_tags = segmentation_data(slice(3, 4))
    assert len({len(sequence) for sequence in test_sequences}) > 3
    model = tiny(tagger_class)
    assert model.fit(sequences, tags, validation_data=(test_sequences, test_tags)) is model
    np.testing.assert_array_equal(model.tags_, [0, 1])
    probabilities = model.predict_proba(test_sequences)
    assert [rows.shape for rows in probabilities] == [(len(s), 2) for s in test_sequences]
    for rows in probabilities:
        np.testing.assert_allclose(rows.sum(axis=1), 1.0, atol=1e-5)
    predictions = model.predict(test_sequences)
    assert [len(row) for row in predictions] == [len(s) for s in test_sequences]
    assert set(np.concatenate(predictions)) <= {0, 1}
    assert 0.0 <= model.score(test_sequences, test_tags) <= 1.0
    assert model.count_params() > 0
    assert len(model.history_) == TINY_CONFIGS[tagger_class].epochs
    assert {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"} <= set(model.history_[0])
    assert model.stopped_ is False

    path = model.save(tmp_path / f"tagger{model.artifact_suffix}")
    assert [file.name for file in tmp_path.iterdir()] == [path.name]  # no temporary left over
    loaded = tagger_class.load(path, model.config)
    np.testing.assert_array_equal(loaded.tags_, model.tags_)
    for before, after in zip(probabilities, loaded.predict_proba(test_sequences), strict=True):
        np.testing.assert_allclose(after, before, atol=1e-5)


@TAGGERS
def test_padding_does_not_change_a_short_sequence(tagger_class):
    sequences, tags = segmentation_data()
    model = tiny(tagger_class).fit(sequences, tags)
    short, long = "thecatsat", "".join(sequences[:3])
    alone = model.predict_proba([short])[0]
    beside_a_long_one = model.predict_proba([long, short])[1]
    np.testing.assert_allclose(beside_a_long_one, alone, atol=1e-5)


def test_a_batch_run_in_passes_updates_like_the_whole_batch():
    """Hosted mode's way to hold less in memory (core/models/recurrent/batch_passes.py) learns the
    same: without dropout, batches of 16 run 3 sequences at a time give the model that whole
    batches give, on sequences of different lengths and a last batch of 7."""
    sequences, tags = segmentation_data()
    sequences, tags = sequences[:39], tags[:39]
    assert len({len(sequence) for sequence in sequences}) > 5

    def trained(passes):
        config = RecurrentTaggerConfig(
            embedding_dim=8, units=8, epochs=2, dropout=0.0, batch_size=16, batch_passes=passes
        )
        model = RecurrentTagger(config, random_state=0).fit(sequences, tags)
        assert int(model.model_.optimizer.iterations) == 6  # 3 batches, 2 epochs
        return model

    whole, in_passes = trained(1), trained(6)
    for before, after in zip(
        whole.predict_proba(sequences), in_passes.predict_proba(sequences), strict=True
    ):
        np.testing.assert_allclose(after, before, atol=1e-5)
    for key in ("loss", "accuracy"):  # the epoch's record too
        assert in_passes.history_[-1][key] == pytest.approx(whole.history_[-1][key], abs=1e-5)


@TAGGERS
def test_rejects_bad_tags(tagger_class):
    sequences, tags = segmentation_data()
    model = tiny(tagger_class)
    with pytest.raises(ValueError, match="single tag"):
        model.fit(sequences, [np.zeros(len(s), dtype=int) for s in sequences])
    with pytest.raises(ValueError, match="tokens but tags"):
        model.fit(sequences, [row[:-1] for row in tags])
    with pytest.raises(ValueError, match="Tag 1 never occurs"):
        model.fit(sequences, [row * 2 for row in tags])
    with pytest.raises(ValueError, match="one tag array per sequence"):
        model.fit(sequences, tags[:-1])
    with pytest.raises(ValueError, match="must be text"):
        model.fit([[1, 2]], [np.array([0, 1])])


def test_word_sequences_with_three_tags_and_unknown_words():
    sequences = [["The", "cat", "sat"], ["A", "dog", "ran", "home"], ["Cats", "run"]] * 10
    tags = [np.array([0, 1, 2]), np.array([0, 1, 2, 1]), np.array([1, 2])] * 10
    for model in (tiny(WindowTagger), RecurrentTagger(GRU_CONFIG)):
        model.fit(sequences, tags)
        np.testing.assert_array_equal(model.tags_, [0, 1, 2])
        probabilities = model.predict_proba([["A", "zebra", "sat"], []])
        assert [rows.shape for rows in probabilities] == [(3, 3), (0, 3)]


def test_token_shapes_tell_letters_digits_and_capitals_apart():
    shapes = [SHAPES[token_shape(token)] for token in ["a", "é", "7", "2024", "-", "Paris", "NATO"]]
    assert shapes == ["lower", "lower", "digits", "digits", "other", "capitalised", "upper"]
