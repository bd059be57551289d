"""Lexicon features of the recurrent tagger: computed right, saved with it, segmentation only."""

import numpy as np
import pytest

from core.models.recurrent.lexicon_features import (
    is_segmentation,
    lexicon,
    lexicon_layer_class,
    segmentation_words,
)
from core.models.recurrent.tagger import RecurrentTagger, RecurrentTaggerConfig, _padded

SENTENCES = [list("thecatsat"), list("acat")]
WORD_STARTS = [np.array([1, 0, 0, 1, 0, 0, 1, 0, 0]), np.array([1, 1, 0, 0])]
TINY = RecurrentTaggerConfig(embedding_dim=4, units=4, epochs=1, batch_size=4)


def test_words_and_lexicon_come_from_the_word_start_tags():
    assert segmentation_words(SENTENCES, WORD_STARTS) == [["the", "cat", "sat"], ["a", "cat"]]
    assert lexicon(SENTENCES, WORD_STARTS, min_count=1, max_length=3) == ["cat", "a", "sat", "the"]
    assert lexicon(SENTENCES, WORD_STARTS, min_count=2, max_length=3) == ["cat"]
    assert lexicon(SENTENCES, WORD_STARTS, min_count=1, max_length=2) == ["a"]


def test_only_characters_with_two_tags_are_segmentation():
    assert is_segmentation(SENTENCES, WORD_STARTS)
    assert not is_segmentation([["the", "cat"]], [np.array([1, 0])])
    assert not is_segmentation([list("ab")], [np.array([1, 2])])


def test_matches_of_a_hand_example():
    layer = lexicon_layer_class()(["the", "cat", "a", "at"], 4)
    flags = np.asarray(layer(_padded(SENTENCES))).astype(int)  # (2, 9, 8)
    starts, ends = flags[..., :4], flags[..., 4:]
    # "thecatsat": the(0-2) cat(3-5) a(4) at(4-5) a(7) at(7-8); "sat" is not in the lexicon.
    expected_starts = {(0, 0): 3, (0, 3): 3, (0, 4): (1, 2), (0, 7): (1, 2)}
    expected_ends = {(0, 2): 3, (0, 4): 1, (0, 5): (3, 2), (0, 7): 1, (0, 8): 2}
    # "acat": a(0) cat(1-3) a(2) at(2-3); nothing runs into the padding after it.
    expected_starts |= {(1, 0): 1, (1, 1): 3, (1, 2): (1, 2)}
    expected_ends |= {(1, 0): 1, (1, 2): 1, (1, 3): (3, 2)}
    for flags_of, expected in ((starts, expected_starts), (ends, expected_ends)):
        wanted = np.zeros_like(flags_of)
        for (row, position), lengths in expected.items():
            wanted[row, position, np.asarray(lengths) - 1] = 1
        np.testing.assert_array_equal(flags_of, wanted)


def test_an_empty_lexicon_matches_nothing():
    flags = np.asarray(lexicon_layer_class()([], 3)(_padded(SENTENCES)))
    assert flags.shape == (2, 9, 6) and not flags.any()


def test_segmentation_tagger_keeps_its_lexicon_through_save_and_load(tmp_path):
    spaced = ["TheCatSat", "ACatSat", "TheCat", "ASat"] * 4  # capitals start words
    sequences = [text.lower() for text in spaced]
    tags = [np.array([int(character.isupper()) for character in text]) for text in spaced]
    model = RecurrentTagger(TINY).fit(sequences, tags)
    assert sorted(model.model_.get_layer("lexicon").words) == ["a", "cat", "sat", "the"]
    raw = ["thecatsatonamat", "zebras", "a"]  # raw text as the dashboard passes it
    before = model.predict_proba(raw)
    loaded = RecurrentTagger.load(model.save(tmp_path / "tagger.keras"), model.config)
    assert loaded.model_.get_layer("lexicon").words == model.model_.get_layer("lexicon").words
    for rows, again in zip(before, loaded.predict_proba(raw), strict=True):
        np.testing.assert_array_equal(again, rows)


@pytest.mark.parametrize("lexicon_features", [True, False])
def test_words_tagged_with_three_tags_get_no_lexicon(lexicon_features):
    sequences = [["the", "cat", "sat"], ["a", "dog", "ran"]] * 4
    tags = [np.array([0, 1, 2])] * 8
    config = RecurrentTaggerConfig(
        embedding_dim=4, units=4, epochs=1, batch_size=4, lexicon_features=lexicon_features
    )
    model = RecurrentTagger(config).fit(sequences, tags)
    assert "lexicon" not in [layer.name for layer in model.model_.layers]
    assert [len(row) for row in model.predict(sequences[:2])] == [3, 3]


def test_lexicon_features_can_be_turned_off_for_segmentation():
    config = RecurrentTaggerConfig(
        embedding_dim=4, units=4, epochs=1, batch_size=4, lexicon_features=False
    )
    model = RecurrentTagger(config).fit(SENTENCES, WORD_STARTS)
    assert "lexicon" not in [layer.name for layer in model.model_.layers]
