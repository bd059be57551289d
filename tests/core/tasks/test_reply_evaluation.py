"""The 1-of-10 evaluation on cases small enough to check by hand."""

import numpy as np
import pytest

from core.metrics.ranking import candidate_table, true_reply_ranks
from core.models.repliers import Replier, Response
from core.tasks.reply.evaluation import content_words, evaluate_replier, recall_by_overlap


class ScriptedReplier(Replier):
    """Scores a candidate by a table of known (message, reply) scores, 0 otherwise."""

    config_class = dict

    def __init__(self, scores: dict) -> None:
        super().__init__({})
        self.scores = scores

    def _fit_checked(self, *args):
        raise NotImplementedError

    def score(self, messages, candidates):
        return np.array(
            [
                [self.scores.get((m, c), 0.0) for c in row]
                for m, row in zip(messages, candidates, strict=True)
            ]
        )

    def respond(self, message, k=3):
        return [Response("", 0.0)]

    def count_params(self):
        return 0

    def _write(self, path):
        raise NotImplementedError

    def _read(self, path):
        raise NotImplementedError


REPLIES = [f"reply {i}" for i in range(12)]
MESSAGES = [f"message {i}" for i in range(12)]


def test_each_row_holds_the_true_reply_and_nine_distinct_distractors():
    replies = REPLIES + ["reply 0"]  # a second pair whose reply reads like the first's
    table = candidate_table(replies, seed=0)
    assert table.shape == (13, 10)
    assert (table[:, 0] == np.arange(13)).all()
    for row in table:
        texts = [replies[index] for index in row]
        assert len(set(texts)) == 10  # the true reply never appears twice
    assert (candidate_table(replies, seed=0) == table).all()
    with pytest.raises(ValueError, match="at least 10"):
        candidate_table(REPLIES[:9], seed=0)


def test_ranks_count_the_distractors_scored_above_the_true_reply():
    scores = np.array([[0.9, 0.1, 0.2], [0.5, 0.9, 0.7], [0.3, 0.4, 0.1]])
    ranks, first = true_reply_ranks(scores, seed=0)
    assert ranks.tolist() == [1, 3, 2]
    assert first.tolist() == [0, 1, 1]


def test_ties_are_chance_not_a_win():
    ranks, _ = true_reply_ranks(np.zeros((20_000, 10)), seed=0)
    assert abs(np.mean(ranks == 1) - 0.1) < 0.01
    assert abs(np.mean(ranks <= 5) - 0.5) < 0.015


def test_a_perfect_and_a_partly_right_replier():
    perfect = ScriptedReplier({(m, r): 1.0 for m, r in zip(MESSAGES, REPLIES, strict=True)})
    evaluation = evaluate_replier(perfect, MESSAGES, REPLIES, seed=0)
    assert evaluation.metrics["recall_at_1"] == 1.0
    assert evaluation.metrics["mean_reciprocal_rank"] == 1.0
    assert (evaluation.y_pred == 0).all() and (evaluation.y_true == 0).all()

    # Right on the first 6 messages only; on the others every candidate ties at 0, so the
    # true reply's rank is drawn at random: R@1 = 6/12 + a chance share of the rest.
    half = ScriptedReplier({(m, r): 1.0 for m, r in list(zip(MESSAGES, REPLIES, strict=True))[:6]})
    metrics = evaluate_replier(half, MESSAGES, REPLIES, seed=0).metrics
    assert 0.5 <= metrics["recall_at_1"] <= metrics["recall_at_2"] <= metrics["recall_at_5"]
    assert metrics["recall_at_1_low"] <= metrics["recall_at_1"] <= metrics["recall_at_1_high"]
    assert metrics["test_examples"] == 12 and metrics["candidates"] == 10


def test_recall_by_overlap_splits_messages_by_shared_content_words():
    messages = ["do you like pizza?", "how old are you?", "where is the station?"]
    replies = ["pizza is great", "twenty", "over there, by the station"]
    assert content_words("Where is the STATION?") == {"station"}
    rows = recall_by_overlap(
        messages, replies, {"a": np.array([0, 3, 0]), "b": np.array([1, 0, 2])}
    )
    assert rows == [
        {"true reply": "repeats a word of the message", "messages": 2, "R@1 a": 1.0, "R@1 b": 0.0},
        {"true reply": "shares none", "messages": 1, "R@1 a": 0.0, "R@1 b": 1.0},
    ]
