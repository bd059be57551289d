"""The tagging baseline: logistic regression on a window of tokens around each position.

Every token becomes one example whose features describe the tokens up to `window` places
either side: each one's identity and shape at its offset (a shape says letter, capital,
digit or other, so for characters it is "is a letter / a digit"), and the n-grams of
adjacent tokens in the window; beyond either end of a sequence stand start and end markers.
Features are hashed into a fixed number of columns (the hashing trick) from token ids, so
the model saves as plain arrays: the vocabulary and the weights (np.savez, no pickle).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.configs import setting
from core.models.baselines.logistic_rounds import (
    ITERATIONS_PER_ROUND,
    ROUNDS,
    LogisticRoundsConfig,
    fit_in_rounds,
    logistic_arrays,
    logistic_from_arrays,
    logistic_param_count,
)
from core.models.settings import VOCABULARY_SIZE
from core.models.string_arrays import pack_strings, unpack_strings
from core.models.taggers import Tagger, as_sequences, split_rows, token_vocabulary
from core.progress import TrainingObserver

# Token ids: 0 is any token missing from the vocabulary, 1 stands for every position before a
# sequence's first token and 2 for every one after its last; the vocabulary follows.
UNKNOWN_ID, START_ID, END_ID, FIRST_TOKEN_ID = 0, 1, 2, 3
SHAPES = ("boundary", "lower", "capitalised", "upper", "digits", "other")
# Odd 64-bit constants for mixing feature parts into a column (FNV-style multiply and xor).
MIX = np.uint64(0x9E3779B97F4A7C15)
SALT = np.uint64(0xD6E8FEB86659FD93)


@dataclass(frozen=True)
class WindowTaggerConfig(LogisticRoundsConfig):
    window: int = setting(
        3,
        "w: each token is seen with the w tokens either side of it.",
        minimum=0,
        maximum=20,
        hosted_maximum=10,
    )
    ngram_order: int = setting(
        3,
        "Adjacent tokens in the window also count together, up to this many (1: single "
        "tokens only); for characters, pairs and triples across a gap are what mark a word start.",
        minimum=1,
        maximum=5,
    )
    hash_bits: int = setting(
        20,
        "Features are hashed into 2**hash_bits columns.",
        minimum=10,
        maximum=26,
        hosted_maximum=20,
    )
    vocabulary_size: int = VOCABULARY_SIZE.field(50_000)
    epochs: int = ROUNDS.field(10)
    iterations_per_epoch: int = ITERATIONS_PER_ROUND.field(20)


def token_shape(token: str) -> int:
    """The index in SHAPES of what kind of token this is."""
    if token.isdigit():
        return SHAPES.index("digits")
    if token.isalpha():
        if token.islower():
            return SHAPES.index("lower")
        if token.isupper() and len(token) > 1:
            return SHAPES.index("upper")
        return SHAPES.index("capitalised") if token[0].isupper() else SHAPES.index("other")
    return SHAPES.index("other")


def _mix(hashes: np.ndarray, values: np.ndarray) -> np.ndarray:
    return (hashes ^ values.astype(np.uint64)) * MIX


def window_features(ids: list[np.ndarray], shapes: list[np.ndarray], config: WindowTaggerConfig):
    """A sparse (tokens, 2**hash_bits) 0/1 matrix: the window features of every token."""
    from scipy.sparse import csr_matrix

    window = config.window
    # All sequences in one array, each framed by `window` start and end markers, so a
    # window never reads into the neighbouring sequence.
    framed_ids, framed_shapes, centres = [], [], []
    offset = 0
    for sequence_ids, sequence_shapes in zip(ids, shapes, strict=True):
        length = len(sequence_ids)
        framed_ids += [np.full(window, START_ID), sequence_ids, np.full(window, END_ID)]
        framed_shapes += [np.zeros(window, np.int64), sequence_shapes, np.zeros(window, np.int64)]
        centres.append(np.arange(offset + window, offset + window + length))
        offset += length + 2 * window
    framed_ids = np.concatenate(framed_ids).astype(np.uint64)
    framed_shapes = np.concatenate(framed_shapes).astype(np.uint64)
    centres = np.concatenate(centres)
    columns = []
    with np.errstate(over="ignore"):  # the hashing relies on wrapping 64-bit arithmetic
        for start in range(-window, window + 1):
            base = np.uint64(start + window + 1) * SALT
            columns.append(_mix(np.full(len(centres), base), framed_shapes[centres + start]))
            for order in range(1, config.ngram_order + 1):
                if start + order - 1 > window:
                    break
                hashes = np.full(len(centres), base + np.uint64(order))
                for step in range(order):
                    hashes = _mix(hashes, framed_ids[centres + start + step])
                columns.append(hashes)
        indices = np.stack(columns, axis=1) >> np.uint64(64 - config.hash_bits)
    rows, per_row = indices.shape
    matrix = csr_matrix(
        (
            np.ones(rows * per_row, dtype=np.float64),
            indices.reshape(-1).astype(np.int64),
            np.arange(0, rows * per_row + 1, per_row),
        ),
        shape=(rows, 2**config.hash_bits),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0  # a rare collision within a row stays a 0/1 feature
    return matrix


class WindowTagger(Tagger):
    """Logistic regression on hashed window features, one example per token."""

    config_class = WindowTaggerConfig
    artifact_suffix = ".npz"

    def _features(self, sequences: list[list[str]]):
        config = self.resolved_config
        index = {
            token: position + FIRST_TOKEN_ID for position, token in enumerate(self.vocabulary_)
        }
        ids = [
            np.array([index.get(token, UNKNOWN_ID) for token in sequence], dtype=np.int64)
            for sequence in sequences
        ]
        shapes = [
            np.array([token_shape(token) for token in sequence], dtype=np.int64)
            for sequence in sequences
        ]
        return window_features(ids, shapes, config)

    def _fit_checked(self, config, sequences, tags, validation, observer: TrainingObserver):
        self.vocabulary_ = token_vocabulary(sequences, config.vocabulary_size, min_count=1)
        features = self._features(sequences)
        if validation is not None:
            validation = (self._features(validation[0]), np.concatenate(validation[1]))
        self.estimator_, self.stopped_ = fit_in_rounds(
            features,
            np.concatenate(tags),
            validation,
            config,
            seed=self.random_state,
            observer=observer,
            history=self.history_,
        )

    def predict_proba(self, sequences) -> list[np.ndarray]:
        sequences = as_sequences(sequences)
        if not any(sequences):
            return [np.zeros((0, len(self.tags_))) for _ in sequences]
        return split_rows(self.estimator_.predict_proba(self._features(sequences)), sequences)

    def count_params(self) -> int:
        return logistic_param_count(self.estimator_)

    def _write(self, path: Path) -> None:
        vocabulary, vocabulary_ends = pack_strings(self.vocabulary_)
        with open(path, "wb") as stream:
            np.savez_compressed(
                stream,
                **logistic_arrays(self.estimator_),
                tag_count=np.int64(len(self.tags_)),
                vocabulary=vocabulary,
                vocabulary_ends=vocabulary_ends,
            )

    def _read(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as arrays:
            self.tags_ = np.arange(int(arrays["tag_count"]))
            self.estimator_ = logistic_from_arrays(arrays, len(self.tags_))
            self.vocabulary_ = unpack_strings(arrays["vocabulary"], arrays["vocabulary_ends"])
