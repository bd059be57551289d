"""One evaluation for every replier: Recall@k in 1-of-10, the Ubuntu Dialogue Corpus protocol.

For each held-out message the candidates are its true reply and 9 distractor replies drawn
at random from the other test pairs (Lowe et al., 2015). A distractor never reads the same
as the true reply or as another distractor, so no row holds the right answer twice. The
candidate table depends only on the test replies and the seed, so every model of a dataset
and seed ranks exactly the same candidates.

A model scores the ten candidates (`Replier.score`); the true reply's rank is 1 plus the
number of distractors scored above it, and ties are broken by a seeded random order, so a
model that cannot tell candidates apart scores chance (R@1 = 0.1), neither better nor worse.
Recall@k is the share of messages whose true reply ranks k or better, with a bootstrap
interval over messages. The rank-1 choice of each message is kept (0 means the true reply),
so two models on the same split pair up for McNemar's test.
"""

import time

import numpy as np

from core.metrics.classification import bootstrap_mean
from core.metrics.ranking import CANDIDATES, candidate_table, true_reply_ranks
from core.models.repliers import Replier
from core.runs.evaluation import Evaluation

RECALL_AT = (1, 2, 5)
SCORE_BATCH = 512  # messages scored per call, to bound memory


def evaluate_replier(
    model: Replier, messages: list[str], replies: list[str], seed: int
) -> Evaluation:
    """Recall@1/2/5 in 1-of-10 with intervals, mean reciprocal rank, and timing."""
    table = candidate_table(replies, seed)
    candidates = [[replies[index] for index in row] for row in table]
    started = time.perf_counter()
    scores = np.concatenate(
        [
            model.score(
                messages[start : start + SCORE_BATCH], candidates[start : start + SCORE_BATCH]
            )
            for start in range(0, len(messages), SCORE_BATCH)
        ]
    )
    predict_ms = (time.perf_counter() - started) * 1000 / len(messages)
    ranks, first = true_reply_ranks(scores, seed)
    metrics = {}
    for k in RECALL_AT:
        recall = bootstrap_mean(ranks <= k, seed)
        metrics |= {
            f"recall_at_{k}": recall.estimate,
            f"recall_at_{k}_low": recall.low,
            f"recall_at_{k}_high": recall.high,
        }
    reciprocal = bootstrap_mean(1.0 / ranks, seed)
    metrics |= {
        "mean_reciprocal_rank": reciprocal.estimate,
        "mean_reciprocal_rank_low": reciprocal.low,
        "mean_reciprocal_rank_high": reciprocal.high,
        "candidates": CANDIDATES,
        "test_examples": len(messages),
    }
    return Evaluation(metrics, np.zeros(len(messages), dtype=np.int64), first, predict_ms)


def content_words(text: str) -> set[str]:
    """Lower-cased words of a text without English stop words ("the", "you", "is", ...)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from core.models.recurrent.reply_tokens import reply_tokens

    return {
        token
        for token in reply_tokens(text)
        if token[0].isalnum() and token not in ENGLISH_STOP_WORDS
    }


def recall_by_overlap(
    messages: list[str], replies: list[str], first_choices: dict[str, np.ndarray]
) -> list[dict]:
    """R@1 of each model on two groups of test messages: those whose true reply repeats a
    content word of the message, and the rest. Word overlap is all TF-IDF retrieval sees, so
    this shows where it wins and where a neural model has to.

    `first_choices` maps a model's name to its stored rank-1 choice per message (0 = the
    true reply), in test order.
    """
    overlap = np.array(
        [bool(content_words(m) & content_words(r)) for m, r in zip(messages, replies, strict=True)]
    )
    rows = []
    for group, members in (("repeats a word of the message", overlap), ("shares none", ~overlap)):
        row = {"true reply": group, "messages": int(members.sum())}
        for name, choices in first_choices.items():
            hits = np.asarray(choices)[members] == 0
            row[f"R@1 {name}"] = float(hits.mean()) if hits.size else None
        rows.append(row)
    return rows
