import math

import numpy as np
import pytest
from gensim.models import KeyedVectors

from core.configs import with_overrides
from core.corpora import Corpus, load_corpus
from core.errors import InvalidConfig, TrainingStopped
from core.progress import StopFlag, TrainingObserver
from core.word2vec import (
    EmptyCorpus,
    UnknownWord,
    Word2VecConfig,
    Word2VecJob,
    analogy,
    corpus_stats,
    evaluate,
    example_words,
    nearest,
    projection,
    similarity,
    train_word2vec,
    vectors_text,
)

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


@pytest.fixture(scope="module")
def lee():
    """The default settings on the Lee corpus: a few seconds of skip-gram training."""
    return train_word2vec(load_corpus("lee"), Word2VecConfig())


def test_same_seed_one_worker_gives_the_same_vectors():
    first, second = (train_word2vec(TINY, QUICK).vectors for _ in range(2))
    assert first.index_to_key == second.index_to_key
    assert np.array_equal(first.vectors, second.vectors)
    other = train_word2vec(TINY, with_overrides(QUICK, {"seed": 1})).vectors
    assert not np.array_equal(first.vectors, other.vectors)


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


def test_out_of_vocabulary_words_get_a_message_with_close_spellings(lee):
    with pytest.raises(UnknownWord, match="'goverment' is not in the vocabulary.*government"):
        nearest(lee.vectors, "Goverment")
    with pytest.raises(UnknownWord, match="'zzqx' is not in the vocabulary"):
        similarity(lee.vectors, "police", "zzqx")
    with pytest.raises(UnknownWord, match="Type a word"):
        analogy(lee.vectors, "police", " ", "fire")


def test_queries_on_the_tiny_corpus_return_ranked_vocabulary_words():
    vectors = train_word2vec(TINY, QUICK).vectors
    answers = analogy(vectors, "cat", "mat", "rug", topn=4)
    assert len(answers) == 4 and not {"cat", "mat", "rug"} & {word for word, _ in answers}
    scores = [score for _, score in answers]
    assert scores == sorted(scores, reverse=True)
    assert similarity(vectors, "Cat", "dog") == pytest.approx(similarity(vectors, "dog", "cat"))


def test_lee_neighbours_are_known_words_and_similarities_are_cosines(lee):
    examples = example_words(lee.vectors)
    assert "government" in examples and "the" not in examples
    neighbours = nearest(lee.vectors, "government", topn=10)
    assert len(neighbours) == 10
    assert all(word in lee.vectors.key_to_index and -1 <= score <= 1 for word, score in neighbours)
    assert -1 <= similarity(lee.vectors, "war", "peace") <= 1


def test_lee_evaluation_reports_finite_scores_and_how_little_it_covers(lee):
    evaluation = evaluate(lee.vectors)
    wordsim, simlex = evaluation.word_pairs
    assert (wordsim.benchmark, wordsim.pairs_total) == ("WordSim353", 353)
    assert (simlex.benchmark, simlex.pairs_total) == ("SimLex-999", 999)
    for scores in evaluation.word_pairs:
        assert 0 < scores.pairs_used < scores.pairs_total
        assert 0.5 < scores.out_of_vocabulary < 1  # a 60k-word corpus misses most pairs
        assert math.isfinite(scores.spearman) and math.isfinite(scores.pearson)
        low, high = scores.spearman_interval
        assert -1 < low < scores.spearman < high < 1 and high - low > 0.2  # few pairs: wide
    analogies = evaluation.analogies
    assert analogies.total == 19_544
    assert 0 < analogies.answerable < 500  # fewer than 3% of the questions are answerable
    assert analogies.answerable == sum(answerable for _, _, answerable in analogies.sections)
    assert 0 <= analogies.accuracy < 0.2


def test_a_vocabulary_that_covers_no_benchmark_word_reports_none():
    corpus = Corpus("made-up", "Made up", ("zorp quax blee " * 20,), "test")
    evaluation = evaluate(train_word2vec(corpus, QUICK).vectors)
    assert all(
        scores.pairs_used == 0 and scores.spearman is None for scores in evaluation.word_pairs
    )
    assert evaluation.analogies.answerable == 0 and evaluation.analogies.accuracy is None


def test_projections_place_each_word_in_two_or_three_dimensions(lee):
    flat = projection(lee.vectors, top=50)
    assert flat.coordinates.shape == (50, 2) and flat.words[0] == "the"
    assert flat.counts[0] == max(flat.counts)
    words = ["police", "fire", "government", "minister", "war", "peace", "Police"]
    mapped = projection(lee.vectors, words, method="tsne", dimensions=3)
    assert mapped.words == tuple(words[:6]) and mapped.coordinates.shape == (6, 3)
    with pytest.raises(UnknownWord):
        projection(lee.vectors, ["police", "zzqx"])
    with pytest.raises(InvalidConfig):
        projection(lee.vectors, method="umap")


def test_exported_vectors_load_back_in_word2vec_text_format(tmp_path):
    vectors = train_word2vec(TINY, QUICK).vectors
    text = vectors_text(vectors)
    assert text.startswith(f"{len(vectors)} 16\n".encode())
    (tmp_path / "vectors.txt").write_bytes(text)
    loaded = KeyedVectors.load_word2vec_format(str(tmp_path / "vectors.txt"), binary=False)
    assert loaded.index_to_key == vectors.index_to_key
    assert np.allclose(loaded.vectors, vectors.vectors, atol=1e-6)


def test_corpus_stats_count_documents_tokens_and_the_vocabulary_at_min_count():
    stats = corpus_stats(TINY)
    assert (stats.documents, stats.tokens) == (48, 48 * 7)
    assert stats.vocabulary(1) == 14 and stats.vocabulary(48) == 3  # "the" 96, "on", "today" 48
    assert stats.vocabulary(97) == 0


def test_a_background_job_trains_evaluates_and_stops_on_request():
    job = Word2VecJob(TINY, QUICK).start()
    assert job.wait(60)
    assert job.error is None and job.result.epochs_completed == 3 and len(job.history) == 3
    assert job.evaluation is not None
    stopped = Word2VecJob(TINY, QUICK)
    stopped.request_stop()
    assert stopped.start().wait(60)
    assert stopped.result is None and "nothing was learnt" in stopped.error
