"""Language-model metrics that treat every model alike: n-gram baseline, word and character LSTMs.

Each function takes plain numbers or a suggestion callable, never a model, so the same
evaluation runs on any of them: perplexity (and bits per character) from the natural-log
probability a model gave each test token, top-k next-word accuracy from its ranked guesses,
and keystroke savings from a simulated user typing the test text with suggestions on.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# Natural logs of probabilities are <= 0; allow rounding error around log(1) = 0.
LOG_PROB_TOLERANCE = 1e-9

Suggester = Callable[[tuple[str, ...], str, int], Sequence[str]]


def _negative_log_probs(log_probs) -> np.ndarray:
    values = np.asarray(log_probs, dtype=float).ravel()
    if values.size == 0:
        raise ValueError("Perplexity needs the log-probability of at least one test token.")
    if np.isnan(values).any() or (values > LOG_PROB_TOLERANCE).any():
        raise ValueError(
            "Log-probabilities must be natural logs of probabilities (numbers <= 0, -inf for a "
            "token the model rules out); got NaN or a positive value."
        )
    return -values


def perplexity(log_probs) -> float:
    """exp of the mean negative natural-log probability per test token.

    A model that spreads its probability evenly over V words has perplexity V; a model that
    gave any test token probability 0 has perplexity inf.
    """
    return float(np.exp(_negative_log_probs(log_probs).mean()))


def bits_per_character(log_probs) -> float:
    """Mean -log2 p per character, from the natural-log probability of each test character."""
    return float(_negative_log_probs(log_probs).mean() / np.log(2))


def top_k_accuracy(rankings: Sequence[Sequence], targets: Sequence, k: int) -> float:
    """Share of positions whose target is among the first k entries of that position's ranking.

    A ranking may be shorter than k (a model with fewer candidates); it is a miss if the target
    is not in it.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1; got {k}.")
    if len(rankings) != len(targets):
        raise ValueError(
            f"Top-k accuracy needs one ranking per target; got {len(rankings)} rankings for "
            f"{len(targets)} targets."
        )
    if len(targets) == 0:
        raise ValueError("Top-k accuracy needs at least one test position.")
    hits = [target in list(ranking[:k]) for ranking, target in zip(rankings, targets, strict=True)]
    return float(np.mean(hits))


def unknown_rate(tokens: Iterable[str], vocabulary: Iterable[str]) -> float:
    """Share of test tokens outside the vocabulary, which every model then sees as unknown."""
    known = set(vocabulary)
    tokens = list(tokens)
    if not tokens:
        raise ValueError("The unknown-word rate needs at least one test token.")
    return sum(token not in known for token in tokens) / len(tokens)


@dataclass(frozen=True)
class KeystrokeSavings:
    """Keystrokes a simulated user spent typing `words` test words, with and without help."""

    words: int
    keystrokes_without: int
    keystrokes_with: int
    accepted: int  # words finished by accepting a suggestion

    @property
    def saved(self) -> float:
        """Fraction of keystrokes saved: 1 - with / without."""
        return 1 - self.keystrokes_with / self.keystrokes_without


def keystroke_savings(
    words: Sequence[str],
    suggest: Suggester,
    k: int = 3,
    limit: int | None = None,
    context_size: int | None = None,
) -> KeystrokeSavings:
    """Simulate a user typing `words` (the test text, in order) letter by letter with suggestions.

    Before each letter of a word, the first one included, `suggest(context, prefix, k)` is
    asked for up to k words, where `context` is the tuple of preceding test words (the last
    `context_size` of them, or all when None) and `prefix` the letters typed so far. As soon
    as the wanted word is among the first k suggestions the user accepts it with one keystroke.

    The space after a word counts as a keystroke, and accepting a suggestion enters the word
    with its space, as phone keyboards do. So typing everything costs len(word) + 1 per word,
    and a word accepted after typing n letters costs n + 1: the savings are the letters not
    typed. A word nobody suggests costs the same with and without help; once all its letters
    are typed no suggestion is asked for, since accepting could save nothing.

    `limit` evaluates only the first `limit` words, to keep pages and tests quick.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1; got {k}.")
    if limit is not None:
        if limit < 1:
            raise ValueError(f"limit must be at least one word; got {limit}.")
        words = words[:limit]
    if len(words) == 0:
        raise ValueError("Keystroke savings need at least one test word.")
    keystrokes_without = keystrokes_with = accepted = 0
    for position, word in enumerate(words):
        start = 0 if context_size is None else max(0, position - context_size)
        context = tuple(words[start:position])
        keystrokes_without += len(word) + 1
        for typed in range(len(word)):
            if word in list(suggest(context, word[:typed], k))[:k]:
                keystrokes_with += typed + 1
                accepted += 1
                break
        else:
            keystrokes_with += len(word) + 1
    return KeystrokeSavings(len(words), keystrokes_without, keystrokes_with, accepted)


@dataclass(frozen=True)
class LanguageModelReport:
    """The one evaluation every language model gets on the test split, as plain numbers."""

    perplexity: float
    top1: float
    top3: float
    keystroke_savings: float
    unknown_rate: float
    tokens_evaluated: int
    bits_per_character: float | None = None  # character models only


def language_model_report(
    log_probs,
    rankings: Sequence[Sequence],
    targets: Sequence,
    savings: KeystrokeSavings,
    unknown_rate: float,
    character_log_probs=None,
) -> LanguageModelReport:
    """Perplexity and top-1/top-3 accuracy over the same test tokens, with the typing result."""
    if len(rankings) != len(np.ravel(log_probs)):
        raise ValueError("Perplexity and top-k accuracy must be measured on the same tokens.")
    return LanguageModelReport(
        perplexity=perplexity(log_probs),
        top1=top_k_accuracy(rankings, targets, 1),
        top3=top_k_accuracy(rankings, targets, 3),
        keystroke_savings=savings.saved,
        unknown_rate=unknown_rate,
        tokens_evaluated=len(targets),
        bits_per_character=None
        if character_log_probs is None
        else bits_per_character(character_log_probs),
    )
