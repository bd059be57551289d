"""One evaluation for every language model, so n-grams and LSTMs are compared like with like.

All models share the corpus's Vocabulary (core/lm_vocabulary.py), which is what makes their
perplexities comparable: `<unk>` is predicted like any word. On the test documents:
- perplexity over every test token (sentence ends and `<unk>` included);
- top-1 and top-3 next-word accuracy over the first EVALUATED_POSITIONS test positions whose
  target is not a sentence end. Suggestions are real words only (never `<unk>`, `<s>`,
  `</s>`), so a target outside the vocabulary is always a miss: a user gets no help there.
  Top-1 comes with a bootstrap interval, and the top-1 guesses are stored so two models can
  be compared by McNemar's test on the same positions;
- keystroke savings when typing the first KEYSTROKE_WORDS test words with the top 3
  suggestions (core/lm_metrics.py), and the milliseconds one suggestion takes.
Every model sees the same context: the document so far, its last CONTEXT_TOKENS ids (an
empty context is the start of a document, as the LanguageModel protocol defines it).
"""

import time
from dataclasses import dataclass

import numpy as np

from core.lm_metrics import keystroke_savings, perplexity
from core.lm_vocabulary import END_ID, SPECIAL_TOKENS, Vocabulary
from core.metrics import bootstrap_accuracy

EVALUATED_POSITIONS = 2000
KEYSTROKE_WORDS = 400
CONTEXT_TOKENS = 50
SUGGESTIONS = 3


@dataclass(frozen=True)
class LanguageModelEvaluation:
    """Metrics for the run store, and the positions' true and top-1 ids for paired tests."""

    metrics: dict
    targets: np.ndarray
    top1: np.ndarray
    suggestion_ms: float


def _real_words(vocabulary: Vocabulary) -> np.ndarray:
    return np.arange(len(SPECIAL_TOKENS), len(vocabulary))


def _positions(documents: list[np.ndarray]):
    """(context ids, target id) of test positions in order, sentence-end targets skipped."""
    for document in documents:
        for index, target in enumerate(document):
            if target != END_ID:
                context = document[max(0, index - CONTEXT_TOKENS) : index]
                yield context, int(target)


def evaluate_language_model(
    model, vocabulary: Vocabulary, test_tokens: list[list[str]], seed: int = 0
) -> LanguageModelEvaluation:
    """Perplexity, top-1/top-3 next-word accuracy and keystroke savings on the test documents.

    `test_tokens` are the test documents as core.lm_vocabulary.word_tokens gives them.
    """
    test_documents = [vocabulary.encode(tokens) for tokens in test_tokens]
    log_probs = np.concatenate([model.log_probs(document) for document in test_documents])
    real_words = _real_words(vocabulary)
    targets, top1, hits3 = [], [], []
    for count, (context, target) in enumerate(_positions(test_documents)):
        if count == EVALUATED_POSITIONS:
            break
        ids, _ = model.top_k(context, SUGGESTIONS, allowed_ids=real_words)
        targets.append(target)
        top1.append(int(ids[0]))
        hits3.append(target in ids.tolist())
    targets, top1 = np.asarray(targets), np.asarray(top1)
    interval = bootstrap_accuracy(targets, top1, seed=seed)

    timings = []

    def suggest(context_words, prefix, k):
        started = time.perf_counter()
        context = vocabulary.encode(context_words[-CONTEXT_TOKENS:])
        allowed = vocabulary.ids_with_prefix(prefix) if prefix else real_words
        if len(allowed) == 0:
            timings.append(time.perf_counter() - started)
            return []
        ids, _ = model.top_k(context, k, allowed_ids=allowed)
        timings.append(time.perf_counter() - started)
        return vocabulary.decode(ids)

    # The user types the real words, unknown ones included (no model can offer those).
    words = [token for tokens in test_tokens for token in tokens if token not in SPECIAL_TOKENS]
    savings = keystroke_savings(words, suggest, k=SUGGESTIONS, limit=KEYSTROKE_WORDS)
    suggestion_ms = 1000 * float(np.mean(timings)) if timings else 0.0
    metrics = {
        "perplexity": perplexity(log_probs),
        "accuracy": interval.estimate,
        "accuracy_low": interval.low,
        "accuracy_high": interval.high,
        "top3_accuracy": float(np.mean(hits3)),
        "keystroke_savings": savings.saved,
        "keystroke_words": savings.words,
        "test_tokens": int(log_probs.size),
        "test_examples": int(targets.size),
        "unknown_rate": float(np.mean(np.concatenate(test_documents) == 0)),
    }
    return LanguageModelEvaluation(metrics, targets, top1, suggestion_ms)
