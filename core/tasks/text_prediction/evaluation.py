"""One evaluation for every language model, so n-grams and LSTMs are compared like with like.

All word models share the corpus's Vocabulary (core/data/vocabulary.py), which is what makes
their perplexities comparable: `<unk>` is predicted like any word. On the test documents:
- perplexity over every test token (sentence ends and `<unk>` included);
- top-1 and top-3 next-word accuracy over the first EVALUATED_POSITIONS test positions whose
  target is not a sentence end. Suggestions are real words only (never `<unk>`, `<s>`,
  `</s>`), so a target outside the vocabulary is always a miss: a user gets no help there.
  Top-1 comes with a bootstrap interval, and the top-1 guesses are stored so two models can
  be compared by McNemar's test on the same positions;
- keystroke savings when typing the first KEYSTROKE_WORDS test words with the top 3
  suggestions (core/metrics/language.py), and the milliseconds one suggestion takes.
Every model sees the same context: the document so far, its last CONTEXT_TOKENS tokens (an
empty context is the start of a document, as the LanguageModel protocol defines it).

The character LSTM (core/models/recurrent/char_lstm.py) gets the same positions, words and context
in `evaluate_character_model`, with bits per character in place of perplexity.
"""

import time
from collections.abc import Callable, Sequence

import numpy as np

from core.data.vocabulary import END_ID, SPECIAL_TOKENS, Vocabulary
from core.metrics.classification import bootstrap_accuracy
from core.metrics.language import Suggester, keystroke_savings, perplexity
from core.runs.evaluation import Evaluation

EVALUATED_POSITIONS = 2000
KEYSTROKE_WORDS = 400
CONTEXT_TOKENS = 50
SUGGESTIONS = 3
OUTSIDE_VOCABULARY = -1  # a suggested word the vocabulary lacks: never a hit, not even on <unk>

# (context tokens, k) -> the ids of the k best next words, best first
Ranker = Callable[[Sequence[str], int], Sequence[int]]


def _real_words(vocabulary: Vocabulary) -> np.ndarray:
    return np.arange(len(SPECIAL_TOKENS), len(vocabulary))


def _positions(vocabulary: Vocabulary, test_tokens: list[list[str]]):
    """(context tokens, target id) of test positions in order, sentence-end targets skipped."""
    for tokens in test_tokens:
        for index, target in enumerate(vocabulary.encode(tokens)):
            if target != END_ID:
                yield tokens[max(0, index - CONTEXT_TOKENS) : index], int(target)


def _evaluate_suggestions(
    rank: Ranker,
    suggest: Suggester,
    vocabulary: Vocabulary,
    test_tokens: list[list[str]],
    scores: dict,
    seed: int,
) -> Evaluation:
    """Top-1 (with interval) and top-3 accuracy, keystroke savings and suggestion time of
    any model, next to the `scores` of how it predicts the test text."""
    targets, top1, hits3 = [], [], []
    for count, (context, target) in enumerate(_positions(vocabulary, test_tokens)):
        if count == EVALUATED_POSITIONS:
            break
        ids = list(rank(context, SUGGESTIONS))
        targets.append(target)
        top1.append(ids[0] if ids else OUTSIDE_VOCABULARY)
        hits3.append(target in ids)
    targets, top1 = np.asarray(targets), np.asarray(top1)
    interval = bootstrap_accuracy(targets, top1, seed=seed)

    timings = []

    def timed_suggest(context_words, prefix, k):
        started = time.perf_counter()
        words = suggest(context_words[-CONTEXT_TOKENS:], prefix, k)
        timings.append(time.perf_counter() - started)
        return words

    # The user types the real words, unknown ones included (no word model can offer those).
    words = [token for tokens in test_tokens for token in tokens if token not in SPECIAL_TOKENS]
    savings = keystroke_savings(words, timed_suggest, k=SUGGESTIONS, limit=KEYSTROKE_WORDS)
    metrics = {
        **scores,
        "accuracy": interval.estimate,
        "accuracy_low": interval.low,
        "accuracy_high": interval.high,
        "top3_accuracy": float(np.mean(hits3)),
        "keystroke_savings": savings.saved,
        "keystroke_words": savings.words,
        "test_examples": int(targets.size),
        "unknown_rate": vocabulary.unknown_rate(
            token for tokens in test_tokens for token in tokens
        ),
    }
    suggestion_ms = 1000 * float(np.mean(timings)) if timings else 0.0
    return Evaluation(metrics, targets, top1, suggestion_ms)


def evaluate_language_model(
    model, vocabulary: Vocabulary, test_tokens: list[list[str]], seed: int = 0
) -> Evaluation:
    """Perplexity, top-1/top-3 next-word accuracy and keystroke savings on the test documents.

    `model` follows the LanguageModel protocol; `test_tokens` are the test documents as
    core.data.vocabulary.word_tokens gives them.
    """
    real_words = _real_words(vocabulary)
    log_probs = np.concatenate(
        [model.log_probs(vocabulary.encode(tokens)) for tokens in test_tokens]
    )

    def rank(context, k):
        return model.top_k(vocabulary.encode(context), k, allowed_ids=real_words)[0].tolist()

    def suggest(context, prefix, k):
        allowed = vocabulary.ids_with_prefix(prefix) if prefix else real_words
        if len(allowed) == 0:
            return []
        ids, _ = model.top_k(vocabulary.encode(context), k, allowed_ids=allowed)
        return vocabulary.decode(ids)

    scores = {"perplexity": perplexity(log_probs), "test_tokens": int(log_probs.size)}
    return _evaluate_suggestions(rank, suggest, vocabulary, test_tokens, scores, seed)


def evaluate_character_model(
    model,
    vocabulary: Vocabulary,
    test_tokens: list[list[str]],
    test_texts: list[str],
    seed: int = 0,
) -> Evaluation:
    """Bits per character, top-1/top-3 next-word accuracy and keystroke savings of a model
    that spells its words (`bits_per_character(texts)` and a `suggest` Suggester).

    There is no perplexity: a character model's word probabilities are not normalised over
    the vocabulary the word models share (core/models/recurrent/char_lstm.py says why), so its word
    perplexity would not compare with theirs. Its suggested words become vocabulary ids at
    the same positions as the word models', so McNemar's test pairs them; a word outside
    the vocabulary becomes OUTSIDE_VOCABULARY, a miss even where the target is `<unk>`.
    `test_texts` are the raw test documents, `test_tokens` their word tokens.
    """

    def rank(context, k):
        return [
            index if index >= len(SPECIAL_TOKENS) else OUTSIDE_VOCABULARY
            for index in vocabulary.encode(model.suggest(tuple(context), "", k)).tolist()
        ]

    scores = {"bits_per_character": model.bits_per_character(test_texts)}
    return _evaluate_suggestions(rank, model.suggest, vocabulary, test_tokens, scores, seed)
