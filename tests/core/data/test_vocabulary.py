import json

import numpy as np
import pytest

from core.data.vocabulary import (
    SPECIAL_TOKENS,
    UNKNOWN_ID,
    Vocabulary,
    split_by_document,
    split_typed_text,
    word_tokens,
)
from core.errors import UserFacingError

TOKENS = "b a c a b a d c a e".split()  # a: 4, b: 2, c: 2, d: 1, e: 1


def test_words_are_lower_cased_and_sentence_marks_become_one_end_token():
    text = "Hello, World! It’s 3.5 km... In 1990 the upper-case A\nHistory"
    assert word_tokens(text) == [
        "hello", "world", "</s>", "it's", "3.5", "km", "</s>", "in", "1990",
        "the", "upper", "case", "a", "</s>", "history",
    ]  # fmt: skip


def test_no_end_token_at_the_start_or_after_text_being_typed():
    assert word_tokens(". Hi.\n\n") == ["hi", "</s>"]
    assert word_tokens("I went to the") == ["i", "went", "to", "the"]


def test_typed_text_splits_into_context_and_half_typed_word():
    assert split_typed_text("The cat s") == (["the", "cat"], "s")
    assert split_typed_text("The cat ") == (["the", "cat"], "")
    assert split_typed_text("It. Don'") == (["it", "</s>"], "don'")


def test_special_tokens_come_first_then_words_by_frequency_then_alphabet():
    vocabulary = Vocabulary.from_tokens(TOKENS, min_count=1)
    assert vocabulary.decode(range(len(vocabulary))) == [*SPECIAL_TOKENS, "a", "b", "c", "d", "e"]


def test_size_cap_counts_the_special_tokens_and_min_count_drops_rare_words():
    assert len(Vocabulary.from_tokens(TOKENS, max_size=5, min_count=1)) == 5
    assert Vocabulary.from_tokens(TOKENS, max_size=5, min_count=1).token(4) == "b"
    assert "d" not in Vocabulary.from_tokens(TOKENS, min_count=2)
    assert len(Vocabulary.from_tokens(TOKENS, min_count=2)) == 6


def test_unknown_words_map_to_unk_and_count_in_the_unknown_rate():
    vocabulary = Vocabulary.from_tokens(TOKENS, min_count=2)
    ids = vocabulary.encode(["a", "zebra", "</s>", "d"])
    assert ids.dtype == np.int32
    assert ids.tolist() == [3, UNKNOWN_ID, 2, UNKNOWN_ID]
    assert vocabulary.decode(ids) == ["a", "<unk>", "</s>", "<unk>"]
    assert vocabulary.unknown_rate(["a", "zebra", "</s>", "d"]) == 0.5
    assert vocabulary.encode([]).shape == (0,)


def test_prefix_lookup_finds_completions_by_id_and_never_special_tokens():
    vocabulary = Vocabulary.from_tokens("the then there they cat the then the".split(), min_count=1)
    completions = vocabulary.decode(vocabulary.ids_with_prefix("the"))
    assert completions == ["the", "then", "there", "they"]
    assert vocabulary.ids_with_prefix("thez").size == 0
    assert vocabulary.ids_with_prefix("<").size == 0
    assert len(vocabulary.ids_with_prefix("")) == len(vocabulary) - len(SPECIAL_TOKENS)


def test_round_trip_through_json():
    vocabulary = Vocabulary.from_tokens(TOKENS, max_size=6, min_count=1)
    restored = Vocabulary.from_dict(json.loads(json.dumps(vocabulary.to_dict())))
    assert restored.decode(range(len(restored))) == vocabulary.decode(range(len(vocabulary)))
    assert (restored.max_size, restored.min_count) == (6, 1)
    assert restored.ids_with_prefix("b").tolist() == [4]


def test_invalid_sizes_are_refused():
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary.from_tokens(TOKENS, max_size=3)
    with pytest.raises(ValueError, match="starts with"):
        Vocabulary(["a", "<unk>"], max_size=10, min_count=1)


def test_document_split_is_deterministic_disjoint_and_complete():
    documents = [f"document {index}" for index in range(106)]
    split = split_by_document(documents, seed=3)
    assert split_by_document(documents, seed=3).test.tolist() == split.test.tolist()
    assert split_by_document(documents, seed=4).test.tolist() != split.test.tolist()
    assert (len(split.train), len(split.validation), len(split.test)) == (84, 11, 11)
    parts = np.concatenate([split.train, split.validation, split.test])
    assert sorted(parts.tolist()) == list(range(106))


def test_too_few_documents_to_split_is_a_clear_error():
    with pytest.raises(UserFacingError, match="too few"):
        split_by_document(["one", "two"], seed=0)
    assert len(split_by_document(["one", "two"], seed=0, validation_fraction=0).train) == 1
