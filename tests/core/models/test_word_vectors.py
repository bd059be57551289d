import math

import numpy as np
import pytest
from gensim.models import KeyedVectors

from core.data.corpora import Corpus
from core.errors import InvalidConfig
from core.models.word2vec import train_word2vec
from core.models.word_vectors import (
    UnknownWord,
    analogy,
    evaluate,
    example_words,
    nearest,
    projection,
    similarity,
    vectors_text,
)
from tests.core.models.test_word2vec import QUICK, TINY, trained_on_lee


@pytest.fixture(scope="module")
def lee():
    return trained_on_lee()


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
