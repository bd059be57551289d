"""One evaluation for every tagger: token accuracy, per-tag F1, and for segmentation boundary F1.

Tokens of one sentence are not independent (a tagger that misreads a sentence misreads
several of its tokens), so intervals come from a bootstrap over test sentences, not tokens:
each resample draws whole sentences and recomputes the metric from their summed counts.
Per-tag F1 uses the tag names; macro-F1 is their mean. The flattened true and predicted tags
of every test token are kept, so two taggers on the same split pair up for McNemar's test.
"""

import time

import numpy as np

from core.data.segmentation import per_tag_f1, token_accuracy, word_boundary_f1
from core.metrics.classification import BOOTSTRAP_RESAMPLES, CONFIDENCE, Interval
from core.runs.evaluation import Evaluation


def _resampled_ratios(numerators: np.ndarray, denominators: np.ndarray, seed: int) -> np.ndarray:
    """sum(numerators) / sum(denominators) over bootstrap resamples of the sentences."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(numerators), size=(BOOTSTRAP_RESAMPLES, len(numerators)))
    totals = denominators[draws].sum(axis=1)
    return np.divide(
        numerators[draws].sum(axis=1), totals, out=np.ones(len(totals)), where=totals > 0
    )


def _interval(estimate: float, resampled: np.ndarray) -> Interval:
    tail = (1 - CONFIDENCE) / 2
    return Interval(
        estimate, float(np.quantile(resampled, tail)), float(np.quantile(resampled, 1 - tail))
    )


def sentence_bootstrap_accuracy(truth: list[np.ndarray], predicted: list[np.ndarray], seed: int):
    """Token accuracy with a percentile interval from resampling whole sentences."""
    correct = np.array([np.sum(t == p[: len(t)]) for t, p in zip(truth, predicted, strict=True)])
    lengths = np.array([len(t) for t in truth])
    resampled = _resampled_ratios(correct.astype(float), lengths.astype(float), seed)
    return _interval(token_accuracy(truth, predicted), resampled)


def sentence_bootstrap_boundary_f1(
    truth: list[np.ndarray], predicted: list[np.ndarray], seed: int
) -> Interval:
    """Word-boundary F1 with a percentile interval from resampling whole sentences.

    F1 = 2 * correct / (true + predicted), so each resample sums the three counts per sentence.
    """
    counts = np.array(
        [
            (
                np.sum((t[1:] == 1) & (p[1 : len(t)] == 1)),
                np.sum(t[1:] == 1) + np.sum(p[1 : len(t)] == 1),
            )
            for t, p in zip(truth, predicted, strict=True)
        ],
        dtype=float,
    ).reshape(-1, 2)
    resampled = _resampled_ratios(2 * counts[:, 0], counts[:, 1], seed)
    return _interval(word_boundary_f1(truth, predicted).f1, resampled)


def evaluate_tagger(
    model,
    sequences: list[list[str]],
    truth: list[np.ndarray],
    tag_names: tuple[str, ...],
    segmentation: bool,
    seed: int = 0,
) -> Evaluation:
    """Predict the test sentences and score them; `segmentation` adds word-boundary F1."""
    started = time.perf_counter()
    predicted = model.predict(sequences)
    predict_ms = 1000 * (time.perf_counter() - started) / len(sequences)
    accuracy = sentence_bootstrap_accuracy(truth, predicted, seed)
    by_tag = per_tag_f1(truth, predicted)
    per_tag = {tag_names[tag]: score for tag, score in sorted(by_tag.items())}
    metrics = {
        "accuracy": accuracy.estimate,
        "accuracy_low": accuracy.low,
        "accuracy_high": accuracy.high,
        "per_class_f1": per_tag,  # tags are the classes of tokens: one table for all tasks
        "macro_f1": float(np.mean(list(per_tag.values()))),
        "test_sentences": len(sequences),
        "test_tokens": int(sum(len(row) for row in truth)),
    }
    if segmentation:
        boundaries = word_boundary_f1(truth, predicted)
        interval = sentence_bootstrap_boundary_f1(truth, predicted, seed)
        metrics |= {
            "boundary_f1": boundaries.f1,
            "boundary_f1_low": interval.low,
            "boundary_f1_high": interval.high,
            "boundary_precision": boundaries.precision,
            "boundary_recall": boundaries.recall,
        }
    flat_true = np.concatenate(truth) if truth else np.zeros(0, dtype=np.int64)
    flat_pred = np.concatenate([p[: len(t)] for t, p in zip(truth, predicted, strict=True)])
    return Evaluation(metrics, flat_true, flat_pred, predict_ms)
