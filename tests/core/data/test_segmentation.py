import numpy as np
import pytest

from core.data.corpora import load_corpus
from core.data.segmentation import (
    SegmentationExample,
    characters_and_labels,
    per_tag_f1,
    segmentation_examples,
    sentence_words,
    token_accuracy,
    word_boundary_f1,
    words_from_labels,
)

THE_CAT_SAT = [1, 0, 0, 1, 0, 0, 1, 0, 0]  # "thecatsat"


def test_characters_and_labels_round_trip_to_the_spaced_text():
    words = ["the", "quick", "brown", "fox"]
    example = characters_and_labels(words)
    assert example.characters == "thequickbrownfox"
    assert example.labels == (1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0)
    assert words_from_labels(*example) == "the quick brown fox"


def test_words_from_labels_ignores_a_padded_tail_and_refuses_missing_labels():
    assert words_from_labels("thecat", np.array([0, 0, 0, 1, 0, 0, 1, 1])) == "the cat"
    with pytest.raises(ValueError, match="label per character"):
        words_from_labels("thecat", [1, 0, 0])


def test_sentence_words_keep_letters_digits_and_inner_apostrophes():
    text = "Don't stop\u2014the well-known 'Mr' O\u2019Neill paid $4.50, café owners said."
    expected = "don't stop the well known mr o'neill paid 4 50 café owners said"
    assert sentence_words(text) == expected.split()


def test_sentences_end_at_punctuation_before_a_space_or_at_a_line_break():
    document = 'He said "Stop." Then he left! Did he?  Yes... ok\nNew line, 3.5 km'
    spaced = [words_from_labels(*example) for example in segmentation_examples([document, "?!"])]
    assert spaced == ["he said stop", "then he left", "did he", "yes", "ok", "new line 3 5 km"]


def test_long_sentences_are_cut_into_chunks_of_whole_words():
    # Word lengths 3 5 5 3 5 with at most 10 characters: the+quick (8), brown+fox (8), jumps (5).
    examples = segmentation_examples(["The quick brown fox jumps"], max_chars=10)
    assert [words_from_labels(*example) for example in examples] == [
        "the quick",
        "brown fox",
        "jumps",
    ]
    assert all(example.labels[0] == 1 for example in examples)
    # A word longer than any example is left out; the words around it stay whole.
    examples = segmentation_examples(["a supercalifragilistic bee"], max_chars=10)
    assert examples == [SegmentationExample("a", (1,)), SegmentationExample("bee", (1, 0, 0))]
    with pytest.raises(ValueError, match="max_chars"):
        segmentation_examples(["a"], max_chars=0)


def test_word_boundary_f1_perfect_and_all_wrong():
    perfect = word_boundary_f1([THE_CAT_SAT], [THE_CAT_SAT])
    assert (perfect.precision, perfect.recall, perfect.f1) == (1.0, 1.0, 1.0)
    # Every boundary moved: 6 predicted, none of the 2 true ones found.
    wrong = word_boundary_f1([THE_CAT_SAT], [[1, 1, 1, 0, 1, 1, 0, 1, 1]])
    assert (wrong.precision, wrong.recall, wrong.f1) == (0.0, 0.0, 0.0)
    assert (wrong.true_boundaries, wrong.predicted_boundaries) == (2, 6)


def test_word_boundary_f1_with_a_missed_boundary_worked_by_hand():
    # "thecatsat" predicted as "the catsat": 1 of 1 predicted boundary is right (P = 1) and
    # 1 of 2 true boundaries is found (R = 1/2): F1 = 2 * 1 * 1/2 / (1 + 1/2) = 2/3.
    missed = word_boundary_f1([THE_CAT_SAT], [[1, 0, 0, 1, 0, 0, 0, 0, 0]])
    assert (missed.precision, missed.recall) == (1.0, 0.5)
    assert missed.f1 == pytest.approx(2 / 3)
    # Add "adog" predicted as "ado g": 0 of 1 right. Totals: 1 correct, 2 predicted, 3 true:
    # P = 1/2, R = 1/3, F1 = 2 * 1/6 / (5/6) = 2/5. The first character never counts (0 here).
    both = word_boundary_f1(
        [THE_CAT_SAT, [1, 1, 0, 0]], [[0, 0, 0, 1, 0, 0, 0, 0, 0], [0, 0, 0, 1]]
    )
    assert (both.correct_boundaries, both.predicted_boundaries, both.true_boundaries) == (1, 2, 3)
    assert both.f1 == pytest.approx(0.4)


def test_word_boundary_f1_on_one_word_sentences_and_padded_predictions():
    assert word_boundary_f1([[1, 0, 0]], [[1, 0, 0]]).f1 == 1.0  # nothing to find, none found
    assert word_boundary_f1([[1, 0, 0]], [[1, 1, 0]]).f1 == 0.0
    padded = word_boundary_f1([[1, 0, 1], [1, 0, -1]], [[1, 0, 1], [1, 0, 1]], padding=-1)
    assert padded.f1 == 1.0
    with pytest.raises(ValueError, match="at least one"):
        word_boundary_f1([], [])
    with pytest.raises(ValueError, match="shorter"):
        word_boundary_f1([THE_CAT_SAT], [[1, 0]])


def test_token_accuracy_and_per_tag_f1_on_sequences_of_different_lengths():
    # Flattened: true B I B, predicted B B B. B: 2 right, 1 false positive: F1 = 4/5.
    # I: missed once, never predicted: F1 = 0.
    true_tags, predicted_tags = [["B", "I"], ["B"]], [["B", "B"], ["B"]]
    assert token_accuracy(true_tags, predicted_tags) == pytest.approx(2 / 3)
    assert per_tag_f1(true_tags, predicted_tags) == {"B": pytest.approx(0.8), "I": 0.0}


def test_tagging_metrics_ignore_padding_and_refuse_empty_input():
    # Padded true batch: the -1 positions drop out, leaving 5 tokens, 3 right.
    true_tags = np.array([[1, 0, -1], [1, 1, 0]])
    predicted_tags = np.ones((2, 3), dtype=int)
    assert token_accuracy(true_tags, predicted_tags, padding=-1) == pytest.approx(3 / 5)
    assert set(per_tag_f1(true_tags, predicted_tags, padding=-1)) == {0, 1}
    assert token_accuracy([[1, 0]], [[1, 0, 1, 1]]) == 1.0  # a prediction's padded tail
    with pytest.raises(ValueError, match="at least one"):
        token_accuracy([[]], [[]])
    with pytest.raises(ValueError, match="one predicted sequence per true"):
        per_tag_f1([[1]], [])


def test_lee_corpus_gives_about_4200_examples_a_fifth_of_characters_starting_words():
    examples = segmentation_examples(load_corpus("lee").documents)
    labels = np.concatenate([example.labels for example in examples])
    # Measured: 4,237 examples, 292,651 characters, 60,533 words: 20.7% start a word.
    assert 4_000 < len(examples) < 4_500
    assert 0.19 < labels.mean() < 0.22
    assert max(len(example.characters) for example in examples) <= 100
    assert all(len(example.characters) == len(example.labels) for example in examples)
    assert all(example.labels[0] == 1 for example in examples)
    assert examples[0].characters.startswith("hundredsofpeoplehavebeenforced")
