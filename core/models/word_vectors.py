"""What trained word vectors know: neighbours, analogies, maps, benchmark scores.

Every function takes gensim KeyedVectors, such as TrainedWord2Vec.vectors from
core/models/word2vec.py.
"""

import difflib
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors
from gensim.parsing.preprocessing import STOPWORDS
from gensim.test.utils import datapath
from threadpoolctl import threadpool_limits

from core.errors import InvalidConfig, UserFacingError

PROJECTIONS = ("pca", "tsne")
WORD_PAIR_BENCHMARKS = {"WordSim353": "wordsim353.tsv", "SimLex-999": "simlex999.txt"}
ANALOGY_BENCHMARK = "questions-words.txt"  # Mikolov et al. (2013): 19,544 questions
MINIMUM_PAIRS = 10  # fewer covered word pairs give a correlation that means nothing
# t-SNE and the benchmarks run with one OpenMP/BLAS thread: on this project's busy 2-core
# machines two threads spin against each other, and t-SNE ran many times slower than on one
# (bench/README.md, Figures formerly in code comments). The limit is process-wide while it
# lasts, which only makes other numpy work in the meantime single-threaded too.


class UnknownWord(UserFacingError):
    """A query word is not in the model's vocabulary; the message suggests close spellings."""


def _known(vectors: KeyedVectors, word: str) -> str:
    """The vocabulary entry for `word` (tokens are lower case), or UnknownWord with hints."""
    key = word.strip().lower()
    if not key:
        raise UnknownWord("Type a word.")
    if key in vectors.key_to_index:
        return key
    close = difflib.get_close_matches(key, vectors.index_to_key, n=3, cutoff=0.75)
    hint = f" Known words spelt alike: {', '.join(close)}." if close else ""
    raise UnknownWord(
        f"'{key}' is not in the vocabulary: the {len(vectors):,} words that appear at least "
        f"min_count times in the corpus.{hint}"
    )


def nearest(vectors: KeyedVectors, word: str, topn: int = 10) -> list[tuple[str, float]]:
    """The `topn` words with the most similar vectors (cosine), most similar first."""
    return vectors.most_similar(_known(vectors, word), topn=topn)


def analogy(
    vectors: KeyedVectors, a: str, b: str, c: str, topn: int = 10
) -> list[tuple[str, float]]:
    """Words nearest to a - b + c (king - man + woman), leaving out a, b and c themselves."""
    a, b, c = (_known(vectors, word) for word in (a, b, c))
    return vectors.most_similar(positive=[a, c], negative=[b], topn=topn)


def similarity(vectors: KeyedVectors, first: str, second: str) -> float:
    """Cosine similarity of two words' vectors, from -1 to 1."""
    return float(vectors.similarity(_known(vectors, first), _known(vectors, second)))


def example_words(vectors: KeyedVectors, count: int = 8) -> list[str]:
    """The most frequent words that are not stop words ("the", "which"): good first queries."""
    examples = (word for word in vectors.index_to_key if word not in STOPWORDS and len(word) > 3)
    return [word for word, _ in zip(examples, range(count), strict=False)]


@dataclass(frozen=True)
class Projection:
    words: tuple[str, ...]
    coordinates: np.ndarray  # (words, dimensions)
    counts: tuple[int, ...]  # occurrences of each word in the corpus


def projection(
    vectors: KeyedVectors,
    words: list[str] | None = None,
    top: int = 300,
    method: str = "pca",
    dimensions: int = 2,
    seed: int = 0,
) -> Projection:
    """The words (default: the `top` most frequent) placed in 2 or 3 dimensions.

    Vectors are scaled to unit length first, so distances on the map follow cosine similarity,
    the measure the neighbour lists use. t-SNE keeps neighbourhoods but not global distances.
    """
    if method not in PROJECTIONS or dimensions not in (2, 3):
        raise InvalidConfig(f"Choose pca or tsne in 2 or 3 dimensions, not {method} {dimensions}.")
    keys = [_known(vectors, word) for word in words] if words else vectors.index_to_key[:top]
    keys = list(dict.fromkeys(keys))
    if len(keys) < 5:
        raise UserFacingError(f"A map needs at least 5 words; there are {len(keys)}.")
    matrix = np.stack([vectors.get_vector(key, norm=True) for key in keys])  # (words, vector_size)
    if method == "pca":
        from sklearn.decomposition import PCA

        reducer = PCA(n_components=dimensions, random_state=seed)
    else:
        from sklearn.manifold import TSNE

        reducer = TSNE(
            n_components=dimensions,
            perplexity=min(30.0, (len(keys) - 1) / 3),  # must stay below the number of words
            init="pca",
            random_state=seed,
        )
    with threadpool_limits(limits=1):
        coordinates = reducer.fit_transform(matrix)  # (words, dimensions)
    counts = tuple(int(vectors.get_vecattr(key, "count")) for key in keys)
    return Projection(tuple(keys), coordinates, counts)


@dataclass(frozen=True)
class WordPairScores:
    """Agreement with human similarity ratings on the pairs whose words are both known."""

    benchmark: str
    spearman: float | None  # None when fewer than MINIMUM_PAIRS pairs are covered
    pearson: float | None
    pairs_used: int
    pairs_total: int

    @property
    def out_of_vocabulary(self) -> float:
        return 1 - self.pairs_used / self.pairs_total

    @property
    def spearman_interval(self) -> tuple[float, float] | None:
        """A 95% interval for Spearman's rho: Fisher's z with Fieller's variance 1.06 / (n - 3)."""
        if self.spearman is None:
            return None
        centre = math.atanh(max(-0.999999, min(0.999999, self.spearman)))
        half_width = 1.96 * math.sqrt(1.06 / (self.pairs_used - 3))
        return math.tanh(centre - half_width), math.tanh(centre + half_width)


@dataclass(frozen=True)
class AnalogyScores:
    """questions-words: a question counts as answerable when all four words are known."""

    correct: int
    answerable: int
    total: int
    sections: tuple[tuple[str, int, int], ...]  # (section, correct, answerable)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answerable if self.answerable else None


@dataclass(frozen=True)
class Evaluation:
    word_pairs: tuple[WordPairScores, ...]
    analogies: AnalogyScores


def _data_lines(path: str, comment: str) -> int:
    with open(path, encoding="utf-8") as lines:
        return sum(1 for line in lines if line.strip() and not line.startswith(comment))


def evaluate(vectors: KeyedVectors) -> Evaluation:
    """Word-pair similarity (WordSim353, SimLex-999) and analogies, as gensim ships them."""
    with threadpool_limits(limits=1):
        return _evaluate(vectors)


def _evaluate(vectors: KeyedVectors) -> Evaluation:
    pair_scores = []
    for benchmark, filename in WORD_PAIR_BENCHMARKS.items():
        path = datapath(filename)
        total = _data_lines(path, comment="#")
        try:
            pearson, spearman, oov_percent = vectors.evaluate_word_pairs(path)
        except ValueError:  # gensim's way of saying that no pair is covered
            pair_scores.append(WordPairScores(benchmark, None, None, 0, total))
            continue
        used = round(total * (1 - oov_percent / 100))
        pair_scores.append(
            WordPairScores(
                benchmark,
                _finite(spearman.statistic) if used >= MINIMUM_PAIRS else None,
                _finite(pearson.statistic) if used >= MINIMUM_PAIRS else None,
                used,
                total,
            )
        )
    path = datapath(ANALOGY_BENCHMARK)
    _, sections = vectors.evaluate_word_analogies(path)
    per_section = tuple(
        (item["section"], len(item["correct"]), len(item["correct"]) + len(item["incorrect"]))
        for item in sections
        if item["section"] != "Total accuracy"
    )
    analogies = AnalogyScores(
        correct=sum(correct for _, correct, _ in per_section),
        answerable=sum(answerable for _, _, answerable in per_section),
        total=_data_lines(path, comment=":"),
        sections=per_section,
    )
    return Evaluation(tuple(pair_scores), analogies)


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def vectors_text(vectors: KeyedVectors) -> bytes:
    """The vectors in word2vec's text format: a "count dimensions" line, then a word per line."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vectors.txt"
        vectors.save_word2vec_format(str(path), binary=False)
        return path.read_bytes()
