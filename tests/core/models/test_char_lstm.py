"""The character LSTM: trains on Lee articles, scores in bits, completes words, round-trips;
its numpy stepper predicts what the Keras network does."""

import numpy as np
import pytest

from core.data.corpora import load_corpus
from core.errors import TrainingStopped
from core.models.recurrent.char_lstm import (
    CharLstmConfig,
    CharLstmLanguageModel,
    LstmStepper,
    character_text,
)
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


def character_ids(model: CharLstmLanguageModel, text: str) -> np.ndarray:
    return np.array([model.characters_.index(character) for character in text])


@pytest.mark.parametrize("layers", [1, 2])
def test_the_numpy_stepper_predicts_what_the_keras_network_does(lee, layers):
    model = CharLstmLanguageModel(CharLstmConfig(**{**TINY, "layers": layers, "epochs": 1}))
    model.fit(lee[:2])
    # Two sequences in one batch, longer than a training window: the state is carried on.
    first = character_ids(model, "\n" + character_text(lee[0])[:59])
    batch = np.stack([first, first[::-1]])  # (2, 60)
    expected = np.log(np.asarray(model.model_(batch, training=False), np.float64))
    stepper = LstmStepper(model.model_)
    state, log_probs = stepper.zero_state(2), []
    for ids in batch.T:
        state = stepper.step(state, ids)
        log_probs.append(stepper.log_probs(state))  # (2, characters)
    np.testing.assert_allclose(np.stack(log_probs, axis=1), expected, atol=1e-5)


def test_complete_word_gives_k_distinct_words_with_the_prefix_and_their_probability(fitted):
    completions = fitted.complete_word("The government said the", "pr", 3)
    words = [word for word, _ in completions]
    probabilities = [probability for _, probability in completions]
    assert len(set(words)) == 3 and all(word.startswith("pr") and " " not in word for word in words)
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0 < sum(probabilities) <= 1  # distinct words: disjoint events given the prefix
    assert fitted.suggest(("the", "government", "said", "the"), "pr", 3) == words
    assert len(fitted.next_words("The", 2)) == 2


def test_a_completion_is_as_likely_as_the_network_says_after_the_context_window(fitted, lee):
    """P(word | context, prefix) = the characters after the prefix, then a word end, each
    predicted from the last sequence_length characters of the context and all added since."""
    context = lee[6][:300]
    ((word, probability),) = fitted.complete_word(context, "t", 1)
    window = ("\n" + character_text(context) + " ")[-fitted.config.sequence_length :]
    ids = character_ids(fitted, window + word)
    predicted = np.asarray(fitted.model_(ids[None], training=False), np.float64)[0]
    added = range(len(window) + 1, len(ids))  # the characters after the typed "t"
    ends = [fitted.characters_.index(end) for end in (" ", "\n")]
    expected = (
        np.prod(predicted[[i - 1 for i in added], ids[list(added)]]) * predicted[-1, ends].sum()
    )
    assert probability == pytest.approx(expected, rel=1e-4)


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
