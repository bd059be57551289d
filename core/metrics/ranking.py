"""The 1-of-10 ranking protocol of Lowe et al. (2015): a message, its true reply and 9
distractors, and the rank a model gives the true reply.

Pure functions of arrays and a seed, so a replier can report validation recall after each
epoch (models) with the same candidates and tie-breaking as the reply task's test
evaluation (core/tasks/reply/evaluation.py).
"""

import numpy as np

CANDIDATES = 10
VALIDATION_MESSAGES = 1000  # scored after every epoch: enough for a curve, quick to score


def candidate_table(replies: list[str], seed: int, size: int = CANDIDATES) -> np.ndarray:
    """(messages, size) indices into `replies`: row i is i, then size - 1 distractors.

    Distractors are other rows whose reply text differs from row i's and from each other;
    ValueError when the replies hold fewer than `size` different texts.
    """
    texts = np.asarray(replies, dtype=object)
    distinct = len(set(replies))
    if distinct < size:
        raise ValueError(
            f"The test replies hold {distinct} different texts; 1-of-{size} needs at least {size}."
        )
    rng = np.random.default_rng(seed)
    table = np.empty((len(replies), size), dtype=np.int64)
    for row in range(len(replies)):
        chosen, seen = [row], {texts[row]}
        while len(chosen) < size:
            for index in rng.integers(0, len(replies), size=2 * size):
                if texts[index] not in seen:
                    chosen.append(int(index))
                    seen.add(texts[index])
                    if len(chosen) == size:
                        break
        table[row] = chosen
    return table


def true_reply_ranks(scores: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(rank of column 0 from 1, column ranked first) per row; ties in a seeded random order."""
    scores = np.asarray(scores, dtype=float)
    tie_breaker = np.random.default_rng(seed).random(scores.shape)
    # lexsort sorts by the last key first: highest score, then the random tie-breaker.
    order = np.lexsort((-tie_breaker, -scores), axis=1)
    ranks = np.argmax(order == 0, axis=1) + 1
    return ranks, order[:, 0]


def validation_recall(
    model, messages: list[str], replies: list[str], seed: int
) -> dict[str, float]:
    """`val_recall_at_1` in 1-of-10 on at most VALIDATION_MESSAGES validation pairs, for the
    per-epoch history (a live curve); {} when the replies are too few to draw candidates."""
    if len(set(replies)) < CANDIDATES:
        return {}
    keep = np.random.default_rng(seed).permutation(len(messages))[:VALIDATION_MESSAGES]
    messages, replies = [messages[i] for i in keep], [replies[i] for i in keep]
    table = candidate_table(replies, seed)
    scores = model.score(messages, [[replies[index] for index in row] for row in table])
    ranks, _ = true_reply_ranks(scores, seed)
    return {"val_recall_at_1": float(np.mean(ranks == 1))}
