import numpy as np
import pytest

from core.data.vocabulary import Vocabulary, word_tokens
from core.tasks.text_prediction.evaluation import evaluate_character_model, evaluate_language_model


class Uniform:
    """Every token equally likely; ties ranked by id, as the real models break them."""

    def __init__(self, size):
        self.size = size

    def log_probs(self, document_ids):
        return np.full(len(document_ids), -np.log(self.size))

    def top_k(self, context_ids, k, allowed_ids=None):
        allowed = np.arange(self.size) if allowed_ids is None else np.sort(allowed_ids)
        return allowed[:k], np.full(min(k, len(allowed)), 1 / self.size)


def test_a_uniform_model_has_the_vocabulary_size_as_perplexity_and_honest_hits():
    train = word_tokens("the cat sat. the cat ran. the dog sat.")
    vocabulary = Vocabulary.from_tokens(train, min_count=1)
    test = [word_tokens("the cat sat on the mat.")]
    evaluation = evaluate_language_model(Uniform(len(vocabulary)), vocabulary, test)
    metrics = evaluation.metrics
    assert metrics["perplexity"] == pytest.approx(len(vocabulary))
    # Suggestions are the three lowest real-word ids: the most frequent words "the", "cat", "sat".
    real = [token for token in test[0] if token != "</s>"]
    assert evaluation.y_true.size == len(real) == 6
    assert metrics["accuracy"] == pytest.approx(np.mean([token == "the" for token in real]))
    assert metrics["top3_accuracy"] == pytest.approx(
        np.mean([token in ("the", "cat", "sat") for token in real])
    )
    # Letters plus a space per word: 23 keystrokes. "the", "cat", "sat" and the second "the"
    # are offered before the first letter (1 keystroke each); "on" and "mat" are unknown and
    # typed in full (3 + 4): 11 keystrokes, 12 of 23 saved.
    assert metrics["keystroke_words"] == 6
    assert metrics["keystroke_savings"] == pytest.approx(12 / 23)
    assert metrics["unknown_rate"] == pytest.approx(2 / 7)  # 7 test tokens with the </s>
    assert evaluation.predict_ms >= 0


class Spelling:
    """A character model that always suggests "on", "the", "cat", whatever the prefix."""

    def bits_per_character(self, texts):
        return 4.5

    def suggest(self, context, prefix, k):
        return [word for word in ("on", "the", "cat") if word.startswith(prefix)][:k]


def test_a_character_model_is_scored_on_the_same_positions_and_never_hits_unk():
    train = word_tokens("the cat sat. the cat ran. the dog sat.")
    vocabulary = Vocabulary.from_tokens(train, min_count=1)
    text = "the cat sat on the mat."
    test = [word_tokens(text)]
    evaluation = evaluate_character_model(Spelling(), vocabulary, test, [text])
    word_evaluation = evaluate_language_model(Uniform(len(vocabulary)), vocabulary, test)
    metrics = evaluation.metrics
    assert metrics["bits_per_character"] == 4.5 and "perplexity" not in metrics
    np.testing.assert_array_equal(evaluation.y_true, word_evaluation.y_true)
    # "on" is outside the vocabulary: -1, so it misses the <unk> targets "on" and "mat".
    assert evaluation.y_pred.tolist() == [-1] * 6
    assert metrics["accuracy"] == 0
    assert metrics["top3_accuracy"] == pytest.approx(3 / 6)  # the, cat, the; never "on"
    # Typing, the user does accept "on": "the", "cat", "on" and "the" cost 1 keystroke each,
    # "sat" and "mat" are typed in full (4 + 4): 12 of 23 keystrokes, 11 saved.
    assert metrics["keystroke_savings"] == pytest.approx(11 / 23)
    assert metrics["unknown_rate"] == word_evaluation.metrics["unknown_rate"]
