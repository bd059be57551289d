"""The character LSTM: trains on Lee articles, scores in bits, completes words, round-trips."""

import numpy as np
import pytest

from core.corpora import load_corpus
from core.errors import TrainingStopped
from core.models.char_lstm import CharLstmConfig, CharLstmLanguageModel, character_text
from core.progress import StopFlag

TINY = {
    "embedding_dim": 8,
    "units": 32,
    "sequence_length": 40,
    "batch_size": 32,
    "epochs": 2,
    "learning_rate": 0.01,
}


@pytest.fixture(scope="module")
def lee() -> list[str]:
    return list(load_corpus("lee").documents[:8])


@pytest.fixture(scope="module")
def fitted(lee) -> CharLstmLanguageModel:
    return CharLstmLanguageModel(CharLstmConfig(**TINY)).fit(lee[:6], validation_texts=lee[6:])


def test_texts_are_read_as_their_word_tokens_with_line_breaks_for_sentence_ends():
    assert character_text("The cat sat. Then, it ran!") == "the cat sat\nthen it ran\n"
    assert character_text("The cat ") == "the cat"


def test_training_lowers_bits_per_character_below_a_uniform_guess(fitted, lee):
    bits = fitted.bits_per_character(lee[6:])
    assert np.isfinite(bits) and bits < np.log2(len(fitted.characters_))
    assert [record["epoch"] for record in fitted.history_] == [1, 2]
    assert "val_loss" in fitted.history_[-1] and fitted.stopped_ is False
    # Each scored character is one of the text's own characters, the first one included.
    assert len(fitted.character_log_probs(lee[6])) == len(character_text(lee[6]))


def test_complete_word_gives_k_distinct_words_with_the_prefix(fitted):
    words = fitted.complete_word("The government said the", "pr", 3)
    assert len(words) == 3 and len(set(words)) == 3
    assert all(word.startswith("pr") and " " not in word for word in words)
    assert len(fitted.next_words("The", 2)) == 2


def test_generation_is_fixed_by_its_seed(fitted):
    first = fitted.generate_text("The", 30, temperature=0.8, top_k=5, seed=3)
    assert len(first) == 30
    assert first == fitted.generate_text("The", 30, temperature=0.8, top_k=5, seed=3)
    with pytest.raises(ValueError, match="temperature"):
        fitted.generate_text("The", 5, temperature=0)


def test_save_and_load_keep_the_bits_per_character(fitted, lee, tmp_path):
    path = fitted.save(tmp_path / f"model{CharLstmLanguageModel.artifact_suffix}")
    loaded = CharLstmLanguageModel.load(path)
    assert loaded.characters_ == fitted.characters_ and loaded.history_ == fitted.history_
    assert loaded.bits_per_character(lee[6:7]) == pytest.approx(
        fitted.bits_per_character(lee[6:7]), rel=1e-9
    )


def test_a_stop_before_the_first_batch_raises_training_stopped(lee):
    flag = StopFlag()
    flag.request_stop()
    with pytest.raises(TrainingStopped):
        CharLstmLanguageModel(CharLstmConfig(**TINY)).fit(lee[:1], observer=flag)
