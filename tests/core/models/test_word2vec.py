import functools

import numpy as np
import pytest

from core.configs import with_overrides
from core.data.corpora import Corpus, load_corpus
from core.errors import InvalidConfig, TrainingStopped
from core.models import word2vec
from core.models.word2vec import (
    EmptyCorpus,
    TrainedWord2Vec,
    Word2VecConfig,
    corpus_stats,
    train_word2vec,
)
from core.models.word_vectors import nearest
from core.progress import StopFlag, TrainingObserver

TINY = Corpus(
    "tiny",
    "Tiny corpus",
    tuple(
        f"the {animal} {verb} on the {place} today"
        for animal in ("cat", "dog", "bird", "horse")
        for verb in ("sat", "slept", "stood")
        for place in ("mat", "rug", "floor", "bed")
    ),
    "made up for tests",
)
QUICK = Word2VecConfig(vector_size=16, min_count=1, epochs=3)


class StopAfter(TrainingObserver):
    def __init__(self, epochs: int) -> None:
        self.epochs, self.seen = epochs, []

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.seen.append(epoch)

    def should_stop(self) -> bool:
        return len(self.seen) >= self.epochs


@functools.cache
def trained_on_lee() -> TrainedWord2Vec:
    """The default settings on the Lee corpus: a few seconds of skip-gram training.

    Cached so that this module and tests/core/models/test_word_vectors.py train it once between
    them.
    """
    return train_word2vec(load_corpus("lee"), Word2VecConfig())


@pytest.fixture(scope="module")
def lee():
    return trained_on_lee()


def test_same_seed_one_worker_gives_the_same_vectors():
    first, second = (train_word2vec(TINY, QUICK).vectors for _ in range(2))
    assert first.index_to_key == second.index_to_key
    assert np.array_equal(first.vectors, second.vectors)
    other = train_word2vec(TINY, with_overrides(QUICK, {"seed": 1})).vectors
    assert not np.array_equal(first.vectors, other.vectors)


def test_the_learning_rate_decays_linearly_over_the_epochs(monkeypatch):
    from gensim.models import Word2Vec

    rates, train = [], Word2Vec.train

    def recorded(model, *arguments, start_alpha, end_alpha, **options):
        rates.append((start_alpha, end_alpha))
        return train(model, *arguments, start_alpha=start_alpha, end_alpha=end_alpha, **options)

    monkeypatch.setattr(Word2Vec, "train", recorded)
    train_word2vec(TINY, with_overrides(QUICK, {"epochs": 4}))
    starts = [start for start, _ in rates]
    assert starts == pytest.approx([0.025, 0.018775, 0.01255, 0.006325])
    assert rates[-1][1] == pytest.approx(0.0001)  # gensim's min_alpha, reached at the end


def test_every_epoch_is_reported_with_its_loss_and_speed(lee):
    assert [record["epoch"] for record in lee.history] == list(range(1, 21))
    assert all(record["words_per_second"] > 0 and record["seconds"] > 0 for record in lee.history)
    losses = [record["loss"] for record in lee.history]
    assert losses[-1] < losses[0] * 0.8  # per trained word: the model learns the corpus
    assert lee.epochs_completed == 20 and not lee.stopped
    assert lee.corpus_words == corpus_stats(load_corpus("lee")).tokens


def test_a_stop_after_epoch_k_keeps_k_epochs_and_usable_vectors():
    observer = StopAfter(2)
    trained = train_word2vec(TINY, with_overrides(QUICK, {"epochs": 10}), observer)
    assert observer.seen == [1, 2]
    assert trained.stopped and trained.epochs_completed == 2 and len(trained.history) == 2
    assert len(nearest(trained.vectors, "cat", topn=3)) == 3


def test_a_stop_before_the_first_epoch_leaves_nothing_to_keep():
    flag = StopFlag()
    flag.request_stop()
    with pytest.raises(TrainingStopped, match="nothing was learnt"):
        train_word2vec(TINY, QUICK, flag)


def test_a_corpus_without_words_and_a_too_high_min_count_say_what_to_do():
    with pytest.raises(EmptyCorpus, match="no words"):
        train_word2vec(Corpus("numbers", "Numbers", ("12 34", "!!"), "test"), QUICK)
    with pytest.raises(InvalidConfig, match="appears 1000 times .min_count.; lower it"):
        train_word2vec(TINY, with_overrides(QUICK, {"min_count": 1000}))
    with pytest.raises(InvalidConfig, match="window must be at least 1"):
        train_word2vec(TINY, with_overrides(QUICK, {"window": 0}))


def test_corpus_stats_count_documents_tokens_and_the_vocabulary_at_min_count():
    stats = corpus_stats(TINY)
    assert (stats.documents, stats.tokens) == (48, 48 * 7)
    assert stats.vocabulary(1) == 14 and stats.vocabulary(48) == 3  # "the" 96, "on", "today" 48
    assert stats.vocabulary(97) == 0


def test_a_shared_server_keeps_at_most_its_vocabulary(monkeypatch):
    """The vectors go back to the app: on a shared server at most HOSTED_VOCABULARY words."""
    monkeypatch.setattr(word2vec, "HOSTED_VOCABULARY", 20)
    monkeypatch.setenv("SEQLAB_HOSTED", "1")
    config = Word2VecConfig(min_count=1, epochs=1)
    trained = train_word2vec(load_corpus("lee"), config)
    assert 0 < len(trained.vectors.index_to_key) <= 20
    monkeypatch.setenv("SEQLAB_HOSTED", "0")
    assert len(train_word2vec(load_corpus("lee"), config).vectors.index_to_key) > 1000
