"""Word2vec with gensim: train on a corpus epoch by epoch, reporting each to an observer.

gensim is called once per epoch with the learning rate it would itself use in that epoch (a
linear decay from `alpha` to `min_alpha` over all epochs), so progress is reported and a stop
request honoured between epochs, and what was learnt so far stays usable. Training uses one
worker thread: with a fixed seed the vectors are then the same on every run (with more
workers the order of updates, and so the result, depends on thread timing). Querying and
evaluating the trained vectors is core/models/word_vectors.py's job; training in the background,
core/runtime/word2vec_jobs.py's.
"""

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from gensim.models import KeyedVectors, Word2Vec

from core.configs import setting, validate
from core.data.corpora import Corpus, tokenize
from core.errors import InvalidConfig, TrainingStopped, UserFacingError
from core.hosting import hosting_settings
from core.progress import TrainingObserver

ARCHITECTURES = ("cbow", "skip-gram")

HOSTED_VOCABULARY = 50_000


class EmptyCorpus(UserFacingError):
    """The corpus has no words word2vec could learn from."""


@dataclass(frozen=True)
class Word2VecConfig:
    architecture: str = setting(
        "skip-gram",
        "CBOW predicts a word from its context and is faster; skip-gram predicts the context "
        "from the word and does better on small corpora and rare words.",
        choices=ARCHITECTURES,
    )
    vector_size: int = setting(
        100, "Dimensions of each word vector.", minimum=2, maximum=1000, hosted_maximum=300
    )
    window: int = setting(
        5, "Context words on each side of a word.", minimum=1, maximum=50, hosted_maximum=10
    )
    min_count: int = setting(
        5, "Words seen fewer times than this are left out of the vocabulary.", minimum=1
    )
    # gensim's default is 5, made for large corpora; 60,000 words need more passes: on Lee,
    # skip-gram's WordSim353 correlation was no better than chance after 5 epochs and clearly
    # positive after 20 (bench/README.md, Figures formerly in code comments).
    epochs: int = setting(20, "Passes over the corpus.", minimum=1, maximum=1000, hosted_maximum=50)
    negative: int = setting(
        5,
        "Random 'noise' words contrasted with each true context word.",
        minimum=1,
        maximum=50,
        hosted_maximum=20,
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
        # On a shared server the vectors (words x vector_size floats, handed back to the app)
        # stay within 50,000 words: gensim raises min_count as far as that needs.
        max_final_vocab=HOSTED_VOCABULARY if hosting_settings().hosted else None,
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
    # Read once: gensim's train() overwrites alpha and min_alpha with the rates it was given,
    # so reading them each epoch kept the rate near its start instead of decaying it.
    rates = (model.alpha, model.min_alpha)
    history: list[dict] = []
    for epoch in range(1, config.epochs + 1):
        if observer.should_stop():
            break
        started = time.perf_counter()
        trained_words, raw_words = model.train(
            sentences,
            total_examples=model.corpus_count,
            epochs=1,
            start_alpha=_learning_rate(rates, epoch - 1, config.epochs),
            end_alpha=_learning_rate(rates, epoch, config.epochs),
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


def _learning_rate(rates: tuple[float, float], epochs_done: int, total_epochs: int) -> float:
    """The rate after `epochs_done` of a linear decay from the first of `rates` to the last."""
    first, last = rates
    return first - (first - last) * epochs_done / total_epochs
