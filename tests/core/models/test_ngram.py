from fractions import Fraction

import numpy as np
import pytest

from core.data.vocabulary import START_ID, UNKNOWN_ID, Vocabulary, word_tokens
from core.errors import InvalidConfig, TrainingStopped
from core.models.baselines.ngram import KneserNeyLanguageModel, NgramConfig
from core.progress import StopFlag, TrainingObserver

STORY = (
    "The cat sat on the mat. The dog sat on the log. A cat saw the dog!\n"
    "Then the dog ran to the cat and the cat ran to the mat."
)


def fitted(texts: list[str], order: int, min_count: int = 1, **fit_arguments):
    documents = [word_tokens(text) for text in texts]
    vocabulary = Vocabulary.from_tokens(
        [token for tokens in documents for token in tokens], min_count=min_count
    )
    ids = [vocabulary.encode(tokens) for tokens in documents]
    model = KneserNeyLanguageModel(NgramConfig(order=order))
    return model.fit(ids, vocabulary, **fit_arguments), ids


def probability(model: KneserNeyLanguageModel, context: list[str], word: str) -> float:
    encode = model.vocabulary_.encode
    return float(np.exp(model.log_prob(encode(context), encode([word])[0])))


@pytest.mark.parametrize("order", [2, 3, 4, 5])
def test_distributions_sum_to_one_in_seen_unseen_and_short_contexts(order):
    model, _ = fitted([STORY, "A dog saw a cat."], order)
    contexts = [[], ["the"], ["sat", "on", "the"], ["zebra", "the"], ["mat", "cat", "log", "ran"]]
    for context in contexts:
        ids = model.vocabulary_.encode(context)
        distribution = model.distribution(ids)
        assert distribution.shape == (len(model.vocabulary_),)
        assert distribution.sum() == pytest.approx(1.0, abs=1e-12)
        assert distribution.min() > 0  # <unk> and <s> included
        words = np.arange(len(model.vocabulary_))
        log_probs = [model.log_prob(ids, word) for word in words]
        np.testing.assert_allclose(log_probs, np.log(distribution), rtol=1e-12)


def test_bigram_probabilities_match_kneser_ney_by_hand():
    # Document "a b a b a c": ids <unk> <s> </s> a b c, so V = 6. Bigrams after <s>:
    # <s>a 1, ab 2, ba 2, ac 1: n1 = 2, n2 = 2, so D2 = 2 / (2 + 2*2) = 1/3.
    # Unigram continuation counts (distinct words before): a 2 (<s>, b), b 1, c 1; total 4;
    # n1 = 2, n2 = 1, so D1 = 2 / (2 + 2*1) = 1/2, leaving 1/2 * 3 types / 4 = 3/8 for the
    # uniform 1/6: P1(a) = 1.5/4 + 1/16 = 7/16, P1(b) = P1(c) = 0.5/4 + 1/16 = 3/16,
    # P1(<unk>) = 1/16.
    # After "a" (count 3, 2 types): back-off weight 1/3 * 2 / 3 = 2/9, so
    # P(b|a) = (2 - 1/3)/3 + 2/9 * 3/16 = 43/72, P(c|a) = (1 - 1/3)/3 + 2/9 * 3/16 = 19/72,
    # P(a|a) = 2/9 * 7/16 = 7/72, P(<unk>|a) = 2/9 * 1/16 = 1/72.
    # At the start, after <s> (count 1, 1 type): P(a|<s>) = (1 - 1/3)/1 + 1/3 * 7/16 = 13/16.
    # After "c", never followed by anything: back off to P1(a) = 7/16.
    model, _ = fitted(["a b a b a c"], order=2)
    np.testing.assert_allclose(model.discounts_, [1 / 2, 1 / 3])
    expected = {
        ("a", "b"): Fraction(43, 72),
        ("a", "c"): Fraction(19, 72),
        ("a", "a"): Fraction(7, 72),
        ("a", "<unk>"): Fraction(1, 72),
        ("c", "a"): Fraction(7, 16),
    }
    for (context, word), value in expected.items():
        assert probability(model, [context], word) == pytest.approx(float(value), rel=1e-12)
    assert float(np.exp(model.log_prob([START_ID], 3))) == pytest.approx(13 / 16, rel=1e-12)
    assert model.distribution([]) == pytest.approx(model.distribution([START_ID]))


def test_an_unseen_word_gets_the_probability_learned_for_unk():
    model, _ = fitted(["a b a b a c"], order=2, min_count=2)  # c is rare: read as <unk>
    unknown = probability(model, ["a"], "<unk>")
    assert probability(model, ["a"], "zebra") == unknown == probability(model, ["a"], "c")
    assert unknown > probability(model, ["a"], "</s>")  # <unk> was seen, </s> was not


def test_a_longer_context_changes_the_prediction():
    texts = ["x a b. y a c. x a b. y a c."]
    bigram, _ = fitted(texts, order=2)
    trigram, _ = fitted(texts, order=3)
    assert probability(bigram, ["x", "a"], "b") == pytest.approx(probability(bigram, ["a"], "c"))
    assert probability(trigram, ["x", "a"], "b") > 0.6 > probability(trigram, ["x", "a"], "c")
    assert probability(trigram, ["y", "a"], "c") > 0.6 > probability(trigram, ["y", "a"], "b")


def test_top_k_ranks_whole_vocabulary_or_only_the_allowed_ids():
    model, _ = fitted([STORY], order=3)
    vocabulary = model.vocabulary_
    context = vocabulary.encode(["sat", "on", "the"])
    distribution = model.distribution(context)
    ids, probabilities = model.top_k(context, 3)
    assert ids.tolist() == np.argsort(-distribution)[:3].tolist()
    np.testing.assert_array_equal(probabilities, distribution[ids])
    completions, _ = model.top_k(context, 5, allowed_ids=vocabulary.ids_with_prefix("l"))
    assert vocabulary.decode(completions) == ["log"]


def test_fit_is_deterministic_and_ties_go_to_the_smaller_id():
    first, ids = fitted([STORY], order=3)
    second, _ = fitted([STORY], order=3)
    for keys, other in zip(first.ngram_keys_, second.ngram_keys_, strict=True):
        np.testing.assert_array_equal(keys, other)
    unseen = first.vocabulary_.encode(["zebra"])
    ranked, _ = first.top_k(unseen, 3, allowed_ids=[START_ID, UNKNOWN_ID])
    assert ranked.tolist() == [UNKNOWN_ID, START_ID]  # both only get the uniform share


def test_perplexity_is_the_exponent_of_the_mean_negative_log_probability():
    model, ids = fitted([STORY, "A dog saw a cat."], order=3)
    log_probs = np.concatenate([model.log_probs(document) for document in ids])
    assert model.perplexity(ids) == pytest.approx(np.exp(-log_probs.mean()))
    document = ids[1]
    for position in (0, 3):
        assert log_probs[len(ids[0]) + position] == pytest.approx(
            model.log_prob(document[:position], document[position])
        )


def test_save_and_load_round_trip_without_pickle(tmp_path):
    model, ids = fitted([STORY], order=4)
    path = model.save(tmp_path / "ngram.npz")
    restored = KneserNeyLanguageModel.load(path, NgramConfig(order=4))
    context = model.vocabulary_.encode(["the", "dog"])
    np.testing.assert_array_equal(restored.distribution(context), model.distribution(context))
    assert restored.count_params() == model.count_params() > 0
    assert restored.resolved_config == NgramConfig(order=4)
    assert restored.vocabulary_.to_dict() == model.vocabulary_.to_dict()
    assert restored.history_ == model.history_ and restored.stopped_ is False


def test_progress_reports_one_step_per_order_and_the_log_perplexities_as_losses():
    class Recorder(TrainingObserver):
        def __init__(self):
            self.calls = []

        def on_train_begin(self, total_epochs, steps_per_epoch):
            self.calls.append(("begin", total_epochs, steps_per_epoch))

        def on_batch_end(self, epoch, step, logs):
            self.calls.append(("batch", epoch, step))

        def on_epoch_end(self, epoch, logs):
            self.calls.append(("epoch", epoch, logs["complete"]))

    recorder = Recorder()
    model, ids = fitted([STORY], order=3, observer=recorder)
    assert recorder.calls == [
        ("begin", 1, 3),
        ("batch", 1, 1),
        ("batch", 1, 2),
        ("batch", 1, 3),
        ("epoch", 1, True),
    ]
    assert model.history_[-1]["loss"] == pytest.approx(np.log(model.perplexity(ids)))
    model.fit(ids[:1], model.vocabulary_, validation_documents=ids)
    assert model.history_[-1]["val_loss"] == pytest.approx(np.log(model.perplexity(ids)))


def test_a_stop_before_counting_raises_and_a_later_one_keeps_the_lower_orders():
    flag = StopFlag()
    flag.request_stop()
    with pytest.raises(TrainingStopped):
        fitted([STORY], order=3, observer=flag)

    class StopAfterBigrams(StopFlag):
        def on_batch_end(self, epoch, step, logs):
            if step == 2:
                self.request_stop()

    model, _ = fitted([STORY], order=3, observer=StopAfterBigrams())
    assert model.stopped_ and model.order_ == 2 and not model.history_[-1]["complete"]
    bigram, _ = fitted([STORY], order=2)
    context = model.vocabulary_.encode(["sat", "on"])
    np.testing.assert_allclose(model.distribution(context), bigram.distribution(context))


def test_bad_inputs_are_refused_with_a_clear_error():
    vocabulary = Vocabulary.from_tokens("a b a b".split(), min_count=1)
    with pytest.raises(ValueError, match="Token ids"):
        KneserNeyLanguageModel().fit([np.array([0, 9])], vocabulary)
    with pytest.raises(ValueError, match="no tokens"):
        KneserNeyLanguageModel().fit([np.array([], dtype=np.int32)], vocabulary)
    with pytest.raises(InvalidConfig, match="order"):
        KneserNeyLanguageModel(NgramConfig(order=6)).fit([np.array([3, 4])], vocabulary)
