"""Where a text model's embeddings start: word2vec on the training texts alone, or on seqlab's
unlabelled corpora and then on the training texts.

Split-only word2vec learns from the training split's own texts: a few thousand short texts,
where most words are seen a handful of times. The corpus start first learns from the
unlabelled corpora of core/data/corpora.py (the Lee news articles, the Wikipedia sample,
Hamlet and the movie dialogs: about 1.4 million words, none of them a labelled dataset's
text, so no validation or test text is ever seen). That model is trained once per embedding
size and cached in the data folder; each training run then adds the training texts' new words
to it (`build_vocab(update=True)`) and trains on the training texts as split-only word2vec
would. Continuing, rather than training on corpora and training texts together, costs a
run about what split-only word2vec costs instead of the corpus's training every time
(bench/README.md, "Word2vec starts: random, split-only, corpus"), and gives the training
texts their own epochs instead of a few percent of a mixed corpus's words; their words
keep the corpus's space.

The corpus is tokenised as TextVectorization tokenises (core/models/recurrent/text_inputs.py:
ASCII lower case, Keras's punctuation stripped, split on whitespace), so its words are the
models' tokens. The cache is an .npz of words, counts, input vectors and negative-sampling
weights (what continuing needs), written atomically and read without pickle; gensim's own
format is a pickle. The corpus model's seed is fixed: like downloaded vectors it is one
resource every run shares, and a run's seed still varies the continuation and the network.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from core.data.corpora import load_corpus
from core.errors import TrainingStopped
from core.files import write_atomically
from core.paths import data_dir
from core.progress import TrainingObserver

# One worker makes the vectors reproducible for a seed; skip-gram does better on rare words.
WORD2VEC = {"window": 5, "sg": 1, "negative": 5, "workers": 1}
TRAINING_TEXT_EPOCHS = 10  # passes over the training texts, alone or after the corpora
# The corpora none of the labelled datasets come from; the text-prediction task models
# these corpora themselves, so its word LSTM keeps to split-only word2vec.
UNLABELLED_CORPORA = ("lee", "wiki-sample", "hamlet", "movie-dialogs")
CORPUS_SEED = 0
CORPUS_EPOCHS = 5  # gensim's default; each pass is most of the one-off training's time
CORPUS_MIN_COUNT = 3  # 22,500 words; rarer ones get no reliable vector from the corpora
CACHE_VERSION = 2  # raise when the corpus training changes, so old caches are not reused
# Tuning searches embedding sizes among these, so one cached corpus model serves every trial
# of a size; beyond this many cached models the least recently used go.
SEARCHED_SIZES = (32, 64, 128, 256)
CACHED_MODELS = len(SEARCHED_SIZES)
LONGEST_SENTENCE = 10_000  # gensim ignores words beyond this in one sentence
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Keras's TextVectorization default: tf.strings.lower (ASCII only), this regex, whitespace.
PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
ASCII_SPACE = re.compile(r"[ \t\n\v\f\r]+")


def vectorizer_tokens(text: str) -> list[str]:
    """The tokens TextVectorization's default standardisation and split make of `text`."""
    return [
        token
        for token in ASCII_SPACE.split(PUNCTUATION.sub("", text.translate(ASCII_LOWER)))
        if token
    ]


def token_sentences(vocabulary: list[str], ids) -> list[list[str]]:
    """Rows of token ids as the tokens they stand for, padding (id 0) left out; empty rows go."""
    sentences = [[vocabulary[index] for index in row if index] for row in ids]
    return [sentence for sentence in sentences if sentence]


def _embedding_matrix(vocabulary: list[str], vectors, embedding_dim: int, seed: int) -> np.ndarray:
    """Embedding rows from `vectors` (KeyedVectors); row 0 (padding) stays zero, and a token
    with no vector keeps a small random one."""
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, 0.05, (len(vocabulary), embedding_dim)).astype(np.float32)
    matrix[0] = 0.0
    for index, token in enumerate(vocabulary):
        if index and token in vectors.key_to_index:
            matrix[index] = vectors[token]
    return matrix


def _split_vectors(sentences: list[list[str]], embedding_dim: int, seed: int):
    from gensim.models import Word2Vec

    return Word2Vec(
        sentences,
        vector_size=embedding_dim,
        min_count=1,
        epochs=TRAINING_TEXT_EPOCHS,
        seed=seed,
        **WORD2VEC,
    ).wv


def word2vec_matrix(vocabulary: list[str], ids, config, seed: int) -> np.ndarray:
    """Embedding rows from word2vec trained on the training texts' own tokens (`ids`)."""
    vectors = _split_vectors(token_sentences(vocabulary, ids), config.embedding_dim, seed)
    return _embedding_matrix(vocabulary, vectors, config.embedding_dim, seed)


def starting_embeddings(
    config, vocabulary: list[str], ids, seed: int, observer: TrainingObserver
) -> np.ndarray | None:
    """The embedding matrix `config.embeddings` asks for; None for a random start."""
    if config.embeddings == "random":
        return None
    if not config.embeddings.startswith("corpus-"):
        return word2vec_matrix(vocabulary, ids, config, seed)
    vectors = continued_vectors(
        token_sentences(vocabulary, ids), config.embedding_dim, seed, observer
    )
    return _embedding_matrix(vocabulary, vectors, config.embedding_dim, seed)


class _CorpusSentences:
    """The unlabelled corpora as token lists, tokenised afresh on every pass (gensim iterates
    once per epoch) so 1.4 million words never sit in memory as Python strings."""

    def __init__(self, documents: list[str]):
        self.documents = documents

    def __iter__(self) -> Iterator[list[str]]:
        for document in self.documents:
            tokens = vectorizer_tokens(document)
            for start in range(0, len(tokens), LONGEST_SENTENCE):
                yield tokens[start : start + LONGEST_SENTENCE]


def _corpus_documents() -> list[str]:
    """Every document of the unlabelled corpora (DatasetUnavailable if a pack is missing)."""
    return [document for name in UNLABELLED_CORPORA for document in load_corpus(name).documents]


def cache_path(embedding_dim: int) -> Path:
    corpora = "+".join(UNLABELLED_CORPORA)
    name = f"{corpora}-{embedding_dim}d-seed{CORPUS_SEED}-v{CACHE_VERSION}.npz"
    return data_dir() / "corpus-word2vec" / name


def _train_on_corpora(embedding_dim: int, observer: TrainingObserver):
    """A skip-gram model of the unlabelled corpora, trained a pass at a time so a stop request
    is honoured between passes (TrainingStopped: nothing is cached)."""
    from gensim.models import Word2Vec

    sentences = _CorpusSentences(_corpus_documents())
    model = Word2Vec(
        vector_size=embedding_dim, min_count=CORPUS_MIN_COUNT, seed=CORPUS_SEED, **WORD2VEC
    )
    model.build_vocab(sentences)
    # gensim's linear decay over all passes, from the rates read before the first pass:
    # `train` overwrites `alpha` and `min_alpha` with each pass's own.
    rates = np.linspace(model.alpha, model.min_alpha, CORPUS_EPOCHS + 1)
    for epoch in range(CORPUS_EPOCHS):
        if observer.should_stop():
            raise TrainingStopped("Stopped while word2vec learnt from the unlabelled corpora.")
        model.train(
            sentences,
            total_examples=model.corpus_count,
            epochs=1,
            start_alpha=rates[epoch],
            end_alpha=rates[epoch + 1],
        )
    return model


def _save(model, path: Path) -> None:
    words = model.wv.index_to_key

    def write(temporary: Path) -> None:
        with open(temporary, "wb") as stream:
            np.savez(
                stream,
                words=np.array(words, dtype=str),
                counts=np.array([model.wv.get_vecattr(word, "count") for word in words]),
                vectors=model.wv.vectors,
                output_weights=model.syn1neg,
            )

    write_atomically(path, write)
    # "[!.]": not the temporary file of a write still under way (core/files.py)
    cached = sorted(path.parent.glob("[!.]*.npz"), key=lambda file: file.stat().st_mtime)
    for stale in cached[:-CACHED_MODELS]:
        stale.unlink(missing_ok=True)


def _load(path: Path, embedding_dim: int, seed: int):
    """The cached corpus model, ready to continue training with `seed`."""
    from gensim.models import Word2Vec

    with np.load(path, allow_pickle=False) as arrays:
        words = arrays["words"].tolist()
        counts = arrays["counts"].tolist()
        vectors, output_weights = arrays["vectors"], arrays["output_weights"]
    model = Word2Vec(vector_size=embedding_dim, min_count=1, seed=seed, **WORD2VEC)
    model.build_vocab_from_freq(dict(zip(words, counts, strict=True)))
    rows = [model.wv.key_to_index[word] for word in words]
    model.wv.vectors[rows] = vectors
    model.syn1neg[rows] = output_weights
    os.utime(path)  # recently used: the last to go when the cache is trimmed
    return model


def continued_vectors(
    sentences: list[list[str]], embedding_dim: int, seed: int, observer: TrainingObserver
):
    """KeyedVectors from the cached corpus model (trained first if not cached) trained on
    `sentences`, the training texts' tokens; their words new to it start random."""
    path = cache_path(embedding_dim)
    if not path.exists():
        _save(_train_on_corpora(embedding_dim, observer), path)
    model = _load(path, embedding_dim, seed)
    model.build_vocab(sentences, update=True)
    model.train(sentences, total_examples=len(sentences), epochs=TRAINING_TEXT_EPOCHS)
    return model.wv
