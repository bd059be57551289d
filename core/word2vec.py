"""Word2vec with gensim: train on a corpus epoch by epoch, query the vectors, evaluate them.

gensim is called once per epoch with the learning rate it would itself use in that epoch (a
linear decay from `alpha` to `min_alpha` over all epochs), so progress is reported and a stop
request honoured between epochs, and what was learnt so far stays usable. Training uses one
worker thread: with a fixed seed the vectors are then the same on every run (with more
workers the order of updates, and so the result, depends on thread timing).
"""

import difflib
import math
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors, Word2Vec
from gensim.parsing.preprocessing import STOPWORDS
from gensim.test.utils import datapath
from threadpoolctl import threadpool_limits

from core.configs import setting, validate
from core.corpora import Corpus, tokenize
from core.errors import InvalidConfig, TrainingStopped, UserFacingError
from core.progress import TrainingObserver

ARCHITECTURES = ("cbow", "skip-gram")
PROJECTIONS = ("pca", "tsne")
WORD_PAIR_BENCHMARKS = {"WordSim353": "wordsim353.tsv", "SimLex-999": "simlex999.txt"}
ANALOGY_BENCHMARK = "questions-words.txt"  # Mikolov et al. (2013): 19,544 questions
MINIMUM_PAIRS = 10  # fewer covered word pairs give a correlation that means nothing
# t-SNE and the benchmarks run with one OpenMP/BLAS thread: on this project's busy 2-core
# machines two threads spin against each other (t-SNE of 300 words: 35-40 s with two threads,
# 1.5 s with one, measured under load). The limit is process-wide while it lasts, which only
# makes other numpy work in the meantime single-threaded too.


class EmptyCorpus(UserFacingError):
    """The corpus has no words word2vec could learn from."""


class UnknownWord(UserFacingError):
    """A query word is not in the model's vocabulary; the message suggests close spellings."""


@dataclass(frozen=True)
class Word2VecConfig:
    architecture: str = setting(
        "skip-gram",
        "CBOW predicts a word from its context and is faster; skip-gram predicts the context "
        "from the word and does better on small corpora and rare words.",
        choices=ARCHITECTURES,
    )
    vector_size: int = setting(100, "Dimensions of each word vector.", minimum=2, maximum=1000)
    window: int = setting(5, "Context words on each side of a word.", minimum=1, maximum=50)
    min_count: int = setting(
        5, "Words seen fewer times than this are left out of the vocabulary.", minimum=1
    )
    # gensim's default is 5, made for large corpora; 60,000 words need more passes (on Lee,
    # skip-gram's WordSim353 Spearman is -0.10 after 5 epochs and 0.27 after 20, over 60 pairs).
    epochs: int = setting(20, "Passes over the corpus.", minimum=1, maximum=1000)
    negative: int = setting(
        5, "Random 'noise' words contrasted with each true context word.", minimum=1, maximum=50
    )
    seed: int = setting(0, "Seed of the initial vectors and of sampling.", minimum=0)


@dataclass
class TrainedWord2Vec:
    """The vectors of a finished or stopped training run, with what is needed to rebuild it."""

    vectors: KeyedVectors
    config: Word2VecConfig
    corpus_title: str
    epochs_completed: int
    history: list[dict]  # one entry per epoch: epoch, loss, words_per_second, seconds
    stopped: bool
    corpus_words: int  # tokens in the corpus, before min_count
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


def _sentences(corpus: Corpus) -> list[list[str]]:
    return [words for words in map(tokenize, corpus.documents) if words]


@dataclass(frozen=True)
class CorpusStats:
    """A corpus as word2vec sees it, after tokenizing."""

    documents: int
    tokens: int
    word_counts: np.ndarray  # occurrences of each distinct word, most frequent first

    def vocabulary(self, min_count: int) -> int:
        """How many words a model with this min_count would learn vectors for."""
        return int(np.count_nonzero(self.word_counts >= min_count))


def corpus_stats(corpus: Corpus) -> CorpusStats:
    counts = Counter(word for words in _sentences(corpus) for word in words)
    return CorpusStats(
        len(corpus.documents),
        counts.total(),
        np.array(sorted(counts.values(), reverse=True), dtype=np.int64),
    )


def train_word2vec(
    corpus: Corpus, config: Word2VecConfig, observer: TrainingObserver | None = None
) -> TrainedWord2Vec:
    """Train epoch by epoch, reporting each to `observer`; stops between epochs on request.

    Raises EmptyCorpus, InvalidConfig (min_count too high), or TrainingStopped when the stop
    came before the first epoch (untrained vectors are random, not a partial result).
    """
    observer = observer or TrainingObserver()
    validate(config)
    sentences = _sentences(corpus)
    if not sentences:
        raise EmptyCorpus(f"{corpus.title} has no words to learn from (only numbers or symbols).")
    model = Word2Vec(
        vector_size=config.vector_size,
        window=config.window,
        min_count=config.min_count,
        sg=int(config.architecture == "skip-gram"),
        negative=config.negative,
        seed=config.seed,
        workers=1,
        compute_loss=True,
    )
    model.build_vocab(sentences)
    if not model.wv.index_to_key:
        raise InvalidConfig(
            f"No word of {corpus.title} appears {config.min_count} times (min_count); lower it."
        )
    observer.on_train_begin(config.epochs, len(sentences))
    history: list[dict] = []
    for epoch in range(1, config.epochs + 1):
        if observer.should_stop():
            break
        started = time.perf_counter()
        trained_words, raw_words = model.train(
            sentences,
            total_examples=model.corpus_count,
            epochs=1,
            start_alpha=_learning_rate(model, epoch - 1, config.epochs),
            end_alpha=_learning_rate(model, epoch, config.epochs),
            compute_loss=True,
        )
        seconds = time.perf_counter() - started
        logs = {
            "epoch": epoch,
            # gensim sums the loss over the epoch; per trained word it compares across corpora.
            "loss": model.get_latest_training_loss() / trained_words if trained_words else None,
            "words_per_second": raw_words / seconds,
            "seconds": seconds,
        }
        history.append(logs)
        observer.on_epoch_end(epoch, logs)
    if not history:
        raise TrainingStopped("Stopped before the first epoch: nothing was learnt.")
    return TrainedWord2Vec(
        model.wv,
        config,
        corpus.title,
        epochs_completed=len(history),
        history=history,
        stopped=len(history) < config.epochs,
        corpus_words=sum(map(len, sentences)),
    )


def _learning_rate(model: Word2Vec, epochs_done: int, total_epochs: int) -> float:
    return model.alpha - (model.alpha - model.min_alpha) * epochs_done / total_epochs


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


class Word2VecJob(TrainingObserver):
    """Trains and evaluates in a background thread that a UI polls and may ask to stop.

    A thread suffices here (the TensorFlow jobs need a process): gensim releases the GIL while
    it trains, and nothing Streamlit resets between script runs touches it.
    """

    def __init__(self, corpus: Corpus, config: Word2VecConfig) -> None:
        self.corpus_title, self.config = corpus.title, config
        self.phase = "reading the corpus and building the vocabulary"
        self.history: list[dict] = []
        self.result: TrainedWord2Vec | None = None
        self.evaluation: Evaluation | None = None
        self.error: str | None = None
        self._stop, self._done = threading.Event(), threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(corpus,), name="seqlab-word2vec", daemon=True
        )

    def start(self) -> "Word2VecJob":
        self._thread.start()
        return self

    def _run(self, corpus: Corpus) -> None:
        try:
            self.result = train_word2vec(corpus, self.config, self)
            self.phase = "evaluating on the word-similarity and analogy benchmarks"
            self.evaluation = evaluate(self.result.vectors)
        except (UserFacingError, TrainingStopped) as error:
            self.error = str(error)
        except Exception as error:  # shown to the user as a message, not a traceback
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.phase = "done"
            self._done.set()

    def on_train_begin(self, total_epochs: int, steps_per_epoch: int) -> None:
        self.phase = "training"

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.history.append(logs)

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def request_stop(self) -> None:
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends; False if `timeout` seconds passed first."""
        return self._done.wait(timeout)
