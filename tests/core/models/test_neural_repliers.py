"""The dual encoder and the encoder-decoder on a toy set whose replies follow from the messages.

Each message names one of a few topics ("... the apple ..."), and its reply starts with that
topic's own word ("red ..."); the other words are random fillers. A replier that learnt
anything ranks a held-out message's true reply above chance, and the tiny networks learn it
in seconds.
"""

import copy
from dataclasses import replace

import numpy as np
import pytest

from core.models.recurrent.dual_encoder import DualEncoder, DualEncoderConfig
from core.models.recurrent.reply_tokens import END, joined_tokens, reply_tokens
from core.models.recurrent.seq2seq import Seq2Seq, Seq2SeqConfig
from core.tasks.reply.evaluation import evaluate_replier
from tests.core.helpers import toy_reply_pairs

TOPICS = {
    "apple": "red",
    "sky": "blue",
    "grass": "green",
    "snow": "white",
    "coal": "black",
    "sun": "yellow",
    "wine": "purple",
    "bark": "brown",
}
FILLERS = "so the one we now here then just really very quite still".split()
TINY = {"embedding_dim": 32, "units": 32, "batch_size": 32, "learning_rate": 0.03}
CONFIGS = {
    DualEncoder: DualEncoderConfig(**TINY, epochs=6, dropout=0.0),
    Seq2Seq: Seq2SeqConfig(**TINY, epochs=6, dropout=0.0),
}


TRAIN = toy_reply_pairs(480, seed=0, topics=TOPICS, fillers=FILLERS)
HELD_OUT = toy_reply_pairs(100, seed=1, topics=TOPICS, fillers=FILLERS)


@pytest.fixture(scope="module", params=[DualEncoder, Seq2Seq], ids=lambda cls: cls.__name__)
def fitted(request):
    return request.param(CONFIGS[request.param], random_state=0).fit(
        *TRAIN, validation_data=HELD_OUT
    )


def test_tokens_split_punctuation_and_join_back():
    assert reply_tokens("What's UP? Not much...") == ["what's", "up", "?", "not", "much", *"..."]
    assert joined_tokens(["well", ",", "(", "hi", ")", "you", "?"]) == "well, (hi) you?"


def test_learns_the_pattern_well_above_chance(fitted):
    recall = evaluate_replier(fitted, *HELD_OUT, seed=0).metrics["recall_at_1"]
    assert recall > 0.3  # chance is 0.1
    assert [record["epoch"] for record in fitted.history_] == list(range(1, 7))
    assert all("val_recall_at_1" in record for record in fitted.history_)
    assert fitted.stopped_ is False and fitted.count_params() > 0


def with_another_topic(reply: str) -> str:
    """The same reply with another topic's word: only the topic tells the two apart."""
    colour = reply.split()[0]
    return reply.replace(colour, "blue" if colour == "red" else "red", 1)


def test_prefers_the_true_reply_to_one_about_another_topic(fitted):
    """For the encoder-decoder: a higher log-likelihood of the true reply."""
    messages, replies = HELD_OUT
    scores = fitted.score(messages, [[reply, with_another_topic(reply)] for reply in replies])
    assert np.mean(scores[:, 0] > scores[:, 1]) > 0.8


def test_mmi_subtracts_the_replys_likelihood_given_a_neutral_message(fitted):
    if not isinstance(fitted, Seq2Seq):
        pytest.skip("only the encoder-decoder scores by likelihood")
    messages, replies = HELD_OUT[0][:6], HELD_OUT[1][:6]
    candidates = [[reply, "red so.", with_another_topic(reply)] for reply in replies]

    def scores(model_messages, **settings):
        model = copy.copy(fitted)
        model.config = replace(fitted.config, **settings)
        return model.score(model_messages, candidates)

    for candidate_scoring in ("mean", "sum"):
        likelihood = scores(messages, scoring="likelihood", candidate_scoring=candidate_scoring)
        # A message of one unknown word reads as NEUTRAL_MESSAGE (padding is masked out).
        generic = scores(
            ["qwertyuiop"] * 6, scoring="likelihood", candidate_scoring=candidate_scoring
        )
        mmi = scores(messages, scoring="mmi", mmi_weight=0.7, candidate_scoring=candidate_scoring)
        np.testing.assert_allclose(mmi, likelihood - 0.7 * generic, rtol=1e-5, atol=1e-5)


def test_save_and_load_give_identical_scores(fitted, tmp_path):
    messages, replies = HELD_OUT
    candidates = [[reply, replies[-1 - index]] for index, reply in enumerate(replies)]
    path = fitted.save(tmp_path / f"model{fitted.artifact_suffix}")
    loaded = type(fitted).load(path, fitted.config)
    np.testing.assert_array_equal(
        loaded.score(messages, candidates), fitted.score(messages, candidates)
    )
    assert loaded.respond("what about the sky?", 3) == fitted.respond("what about the sky?", 3)
    assert loaded.history_ == fitted.history_


def test_respond_gives_k_distinct_replies_best_first(fitted):
    responses = fitted.respond("so what about the snow?", k=4)
    assert len(responses) == 4
    assert len({response.reply for response in responses}) == 4
    scores = [response.score for response in responses]
    assert scores == sorted(scores, reverse=True)


def test_empty_message_is_refused(fitted):
    for message in ("", "   \n"):
        with pytest.raises(ValueError, match="empty"):
            fitted.respond(message)
        with pytest.raises(ValueError, match="empty"):
            fitted.score([message], [["red so."]])


def test_a_decoder_that_would_end_at_once_still_writes_a_word(fitted):
    if not isinstance(fitted, Seq2Seq):
        pytest.skip("only the encoder-decoder writes replies")
    bias = fitted.model_.get_layer("logits").bias
    kept = bias.numpy()
    favours_the_end = kept.copy()
    favours_the_end[END] += 50.0  # `</s>` first, by far, unless it is ruled out there
    bias.assign(favours_the_end)
    try:
        replies = [response.reply for response in fitted.respond("what about the sky?", 3)]
        sampled = [fitted.generate("what about the sky?", seed=seed) for seed in range(5)]
    finally:
        bias.assign(kept)
    assert all(reply.strip() for reply in replies + sampled), replies + sampled


def test_generate_is_reproducible_and_checks_its_settings(fitted):
    if not isinstance(fitted, Seq2Seq):
        pytest.skip("only the encoder-decoder writes replies")
    first = fitted.generate("what about the coal?", temperature=0.8, top_k=5, seed=3)
    assert first == fitted.generate("what about the coal?", temperature=0.8, top_k=5, seed=3)
    assert first and len(reply_tokens(first)) <= fitted.config.reply_tokens
    assert len(reply_tokens(fitted.generate("the sun?", max_words=2, seed=1))) <= 2
    with pytest.raises(ValueError, match="temperature"):
        fitted.generate("the sun?", temperature=0)
    with pytest.raises(ValueError, match="top_k"):
        fitted.generate("the sun?", top_k=0)
    with pytest.raises(ValueError, match="empty"):
        fitted.generate(" ")
