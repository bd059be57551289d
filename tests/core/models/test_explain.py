import numpy as np

from core.models.explain import word_influence


class CountsGood:
    """Probability of class 1 rises with each 'good' and falls with each 'bad'."""

    def predict_proba(self, texts):
        scores = np.array(
            [text.split().count("good") - text.split().count("bad") for text in texts]
        )
        positive = 1 / (1 + np.exp(-2.0 * scores))
        return np.column_stack([1 - positive, positive])


def test_words_that_support_the_answer_get_positive_influence():
    predicted, words = word_influence(CountsGood(), "good good film, bad ending")
    assert predicted == 1
    by_word = {word.word: word.influence for word in words}
    assert by_word["good"] > 0 and by_word["bad"] < 0 and by_word["film"] == 0
    assert [(word.start, word.end) for word in words][:2] == [(0, 4), (5, 9)]


def test_a_certain_answer_still_ranks_its_evidence():
    """At 99.9999% a word moves the probability by 1e-6; it moves the log-odds by 2."""
    text = " ".join(["good"] * 8) + " bad"
    assert CountsGood().predict_proba([text])[0, 1] > 0.999999
    predicted, words = word_influence(CountsGood(), text)
    assert predicted == 1
    np.testing.assert_allclose(words[-1].influence, -2.0, rtol=1e-4)
    np.testing.assert_allclose(words[0].influence, 2.0, rtol=1e-4)
