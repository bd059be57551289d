"""The TF-IDF retrieval replier: evidence, scoring, stop, and a faithful round trip."""

import numpy as np
import pytest

from core.errors import TrainingStopped
from core.models.baselines.tfidf_retrieval import TfidfRetrieval, TfidfRetrievalConfig
from core.progress import StopFlag

MESSAGES = ["how old are you?", "what is your name?", "do you like pizza?", "where do you live?"]
REPLIES = ["i am twenty", "my name is ann", "pizza is my favourite food", "i live in paris"]


def fitted(**settings) -> TfidfRetrieval:
    return TfidfRetrieval(TfidfRetrievalConfig(**settings)).fit(MESSAGES, REPLIES)


def test_it_answers_with_the_reply_of_the_nearest_message_and_shows_it():
    [best, *others] = fitted().respond("tell me your name", k=3)
    assert best.reply == "my name is ann" and best.matched_message == "what is your name?"
    assert 0 < best.score <= 1
    assert all(other.score <= best.score for other in others)
    assert fitted().respond("zzz qqq") == []  # nothing shared: no answer, not a random one


@pytest.mark.parametrize("scoring", ["message-reply", "nearest-messages"])
def test_scores_rank_the_fitting_reply_first(scoring):
    model = fitted(candidate_scoring=scoring, neighbours=2)
    candidates = [["i live in paris", "pizza is my favourite food", "i am twenty"]]
    scores = model.score(["do you like pizza or pasta?"], candidates)
    assert scores.shape == (1, 3) and np.argmax(scores[0]) == 1


def test_message_reply_scoring_is_the_cosine_of_message_and_candidate():
    model = fitted(candidate_scoring="message-reply")
    score = model.score(["pizza"], [["pizza", "paris"]])[0]
    assert score[0] == pytest.approx(1.0, abs=1e-6) and score[1] == 0.0


def test_save_and_load_give_identical_scores_and_answers(tmp_path):
    model = fitted(candidate_scoring="nearest-messages", neighbours=3)
    path = model.save(tmp_path / "retrieval.npz")
    loaded = TfidfRetrieval.load(path, model.config)
    candidates = [REPLIES, REPLIES[::-1]]
    assert np.array_equal(
        loaded.score(MESSAGES[:2], candidates), model.score(MESSAGES[:2], candidates)
    )
    assert loaded.respond("your name?") == model.respond("your name?")
    assert loaded.count_params() == model.count_params() > 0


def test_a_stop_before_indexing_trains_nothing():
    stop = StopFlag()
    stop.request_stop()
    with pytest.raises(TrainingStopped):
        TfidfRetrieval().fit(MESSAGES, REPLIES, observer=stop)


def test_bad_pairs_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="empty message or reply"):
        TfidfRetrieval().fit(["hi", "  "], ["hello", "there"])
    with pytest.raises(ValueError, match="pair them up"):
        TfidfRetrieval().fit(["hi", "yo"], ["hello"])
