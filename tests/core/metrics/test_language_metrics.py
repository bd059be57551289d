import math

import numpy as np
import pytest

from core.metrics.language import (
    KeystrokeSavings,
    bits_per_character,
    keystroke_savings,
    language_model_report,
    perplexity,
    top_k_accuracy,
    unknown_rate,
)

# Most frequent first: what a unigram model would suggest for a typed prefix.
VOCABULARY = ["the", "then", "there", "cat", "car", "cab"]


def prefix_suggester(context, prefix, k):
    return [word for word in VOCABULARY if word.startswith(prefix)][:k]


def oracle_for(words):
    return lambda context, prefix, k: [words[len(context)]]


def test_uniform_probabilities_over_v_words_give_perplexity_v():
    for size in (2, 10, 5000):
        assert perplexity(np.full(37, -np.log(size))) == pytest.approx(size)


def test_perplexity_is_exp_of_the_mean_negative_log_probability():
    # Probabilities 1/2 and 1/8: mean -ln p = (ln 2 + 3 ln 2) / 2 = 2 ln 2, so perplexity 4.
    assert perplexity(np.log([0.5, 0.125])) == pytest.approx(4.0)
    assert perplexity([0.0, -np.inf]) == math.inf  # a test token the model ruled out


def test_bits_per_character_is_the_mean_negative_log2():
    # p = 1/2 then 1/8: (1 + 3) / 2 = 2 bits per character.
    assert bits_per_character(np.log([0.5, 0.125])) == pytest.approx(2.0)
    assert bits_per_character(np.full(5, -np.log(27))) == pytest.approx(np.log2(27))


@pytest.mark.parametrize("metric", [perplexity, bits_per_character])
def test_log_probability_metrics_refuse_empty_or_impossible_input(metric):
    with pytest.raises(ValueError, match="at least one"):
        metric([])
    with pytest.raises(ValueError, match="natural logs"):
        metric([0.5, -1.0])  # a probability passed where its log belongs
    with pytest.raises(ValueError, match="natural logs"):
        metric([np.nan])


def test_top_k_accuracy_on_a_tiny_case():
    rankings = [["the", "a", "an"], ["cat", "dog", "cow"], ["sat"]]
    targets = ["the", "dog", "ran"]
    assert top_k_accuracy(rankings, targets, 1) == pytest.approx(1 / 3)
    assert top_k_accuracy(rankings, targets, 2) == pytest.approx(2 / 3)
    assert top_k_accuracy(rankings, targets, 3) == pytest.approx(2 / 3)  # "ran" never ranked
    token_ids = np.array([[4, 1, 2], [0, 3, 9]])
    assert top_k_accuracy(token_ids, np.array([1, 0]), 1) == pytest.approx(0.5)
    assert top_k_accuracy(token_ids, np.array([1, 0]), 2) == pytest.approx(1.0)


def test_top_k_accuracy_refuses_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        top_k_accuracy([], [], 3)
    with pytest.raises(ValueError, match="one ranking per target"):
        top_k_accuracy([["a"]], ["a", "b"], 1)
    with pytest.raises(ValueError, match="k must be"):
        top_k_accuracy([["a"]], ["a"], 0)


def test_keystroke_savings_of_an_oracle_and_of_a_suggester_never_right():
    # Typing "the cat" in full: t-h-e-space, c-a-t-space = 8 keystrokes.
    # The oracle offers the wanted word before the first letter: one acceptance per word = 2.
    # Saved 1 - 2/8 = 0.75. A suggester that is never right saves nothing.
    words = ["the", "cat"]
    oracle = keystroke_savings(words, oracle_for(words))
    assert oracle == KeystrokeSavings(words=2, keystrokes_without=8, keystrokes_with=2, accepted=2)
    assert oracle.saved == pytest.approx(0.75)
    never = keystroke_savings(words, lambda context, prefix, k: ["zebra", "yak", "xylophone"])
    assert (never.keystrokes_with, never.accepted, never.saved) == (8, 0, 0.0)


def test_keystroke_savings_with_prefix_completion_worked_by_hand():
    # "the cat car dog", 4 keystrokes each without help = 16.
    # k=3: "the" offered before any letter (1); "cat" after "c" (c + accept = 2);
    #      "car" after "c" (2); "dog" is never offered (d-o-g-space = 4). 9 in all.
    # k=1: "the" (1); "cat" after "c" (2); "car" never first: "c"->cat, "ca"->cat, and no
    #      suggestion is asked for once the word is typed (c-a-r-space = 4); "dog" (4). 11.
    words = ["the", "cat", "car", "dog"]
    three = keystroke_savings(words, prefix_suggester, k=3)
    assert (three.keystrokes_without, three.keystrokes_with, three.accepted) == (16, 9, 3)
    assert three.saved == pytest.approx(7 / 16)
    one = keystroke_savings(words, prefix_suggester, k=1)
    assert (one.keystrokes_without, one.keystrokes_with, one.accepted) == (16, 11, 2)


def test_keystroke_savings_counts_only_the_first_k_suggestions_and_the_first_limit_words():
    # The suggester ignores k and offers four words; the wanted "cab" is the fourth.
    greedy = keystroke_savings(["cab"], lambda context, prefix, k: ["cat", "car", "can", "cab"])
    assert greedy.accepted == 0
    limited = keystroke_savings(["the", "cat", "car", "dog"], prefix_suggester, limit=2)
    assert (limited.words, limited.keystrokes_without, limited.keystrokes_with) == (2, 8, 3)


def test_keystroke_savings_passes_the_preceding_words_as_context():
    seen = []

    def recording(context, prefix, k):
        seen.append((context, prefix))
        return []

    keystroke_savings(["a", "bc", "d"], recording, context_size=1)
    assert seen == [((), ""), (("a",), ""), (("a",), "b"), (("bc",), "")]


def test_keystroke_savings_refuses_empty_text():
    with pytest.raises(ValueError, match="at least one"):
        keystroke_savings([], prefix_suggester)
    with pytest.raises(ValueError, match="at least one"):
        keystroke_savings(["the"], prefix_suggester, limit=0)
    with pytest.raises(ValueError, match="at least one"):
        keystroke_savings(["the", "cat"], prefix_suggester, limit=-1)


def test_unknown_rate_and_report():
    assert unknown_rate(["the", "cat", "zebra", "the"], VOCABULARY) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="at least one"):
        unknown_rate([], VOCABULARY)
    savings = KeystrokeSavings(words=2, keystrokes_without=8, keystrokes_with=2, accepted=2)
    report = language_model_report(
        np.log([0.5, 0.125]),
        [["the", "a"], ["dog", "cat"]],
        ["the", "cat"],
        savings,
        unknown_rate=0.0,
    )
    assert report.perplexity == pytest.approx(4.0)
    assert (report.top1, report.top3, report.keystroke_savings) == (0.5, 1.0, 0.75)
    assert (report.tokens_evaluated, report.bits_per_character) == (2, None)
    with pytest.raises(ValueError, match="same tokens"):
        language_model_report([-1.0], [["a"], ["b"]], ["a", "b"], savings, 0.0)
