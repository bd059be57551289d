"""The protocol every seqlab tagger follows: one tag per token, for sequences of any length.

A tagger reads sequences of tokens (characters for word segmentation, words for POS or NER
tagging) and gives every token one of k tags, the integers 0..k-1. Like a `Classifier`, the
constructor stores a typed config and a seed; `fit` validates, learns and returns self; what
it learns ends in `_` (`tags_`, `history_`, `stopped_`); progress and stop requests travel
through a `TrainingObserver`. Predictions are lists with one array per sequence, as long as
the sequence, so padding never shows outside a model.
"""

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from core.configs import validate
from core.data.segmentation import token_accuracy
from core.models.protocol import Estimator
from core.progress import TrainingObserver


class Tagger(Estimator, ABC):
    """Tags every token of a sequence with one of `tags_` (the integers 0..k-1).

    After `fit`: `tags_`, `history_` (one dict per epoch with loss and accuracy over tokens,
    and val_* with validation data; the last marked `complete: False` if a stop cut it short)
    and `stopped_` (True if the user stopped it).
    """

    def fit(
        self,
        sequences,
        tags,
        *,
        validation_data: tuple | None = None,
        observer: TrainingObserver | None = None,
    ) -> "Tagger":
        """Learn from token sequences and one integer tag per token (arrays of 0..k-1)."""
        config = self.resolved_config
        validate(config)
        sequences = as_sequences(sequences)
        tags = as_tag_arrays(tags, sequences)
        counts = np.bincount(np.concatenate(tags)) if tags else np.zeros(0, dtype=int)
        if counts.sum() == 0:
            raise ValueError("Training data has no tokens; a tagger needs tagged tokens.")
        if len(counts) < 2:
            raise ValueError("Training data has a single tag; a tagger needs two or more.")
        if not counts.all():
            raise ValueError(
                f"Tag {int(np.argmin(counts))} never occurs in the training tags; tags must be "
                f"0..k-1 and each must occur (here k = {len(counts)})."
            )
        self.tags_ = np.arange(len(counts))
        if validation_data is not None:
            validation_sequences = as_sequences(validation_data[0])
            validation_tags = as_tag_arrays(validation_data[1], validation_sequences)
            if any(len(row) and row.max() >= len(counts) for row in validation_tags):
                raise ValueError(
                    f"Validation tags must be among the {len(counts)} training tags 0.."
                    f"{len(counts) - 1}."
                )
            validation_data = (validation_sequences, validation_tags)
        self.history_: list[dict] = []
        self.stopped_ = False
        self._fit_checked(config, sequences, tags, validation_data, observer or TrainingObserver())
        return self

    @abstractmethod
    def _fit_checked(
        self,
        config: Any,
        sequences: list[list[str]],
        tags: list[np.ndarray],
        validation: tuple | None,
        observer: TrainingObserver,
    ) -> None:
        """Train on checked data; append to `history_`, set `stopped_`."""

    @abstractmethod
    def predict_proba(self, sequences) -> list[np.ndarray]:
        """Per sequence, tag probabilities shaped (length, tags) in the order of `tags_`."""

    def predict(self, sequences) -> list[np.ndarray]:
        """Per sequence, the most probable tag of every token."""
        return [np.argmax(rows, axis=1) for rows in self.predict_proba(sequences)]

    def score(self, sequences, tags) -> float:
        """Token accuracy over all sequences."""
        return token_accuracy(as_tag_arrays(tags, as_sequences(sequences)), self.predict(sequences))


def as_sequences(sequences) -> list[list[str]]:
    """Each sequence as a list of str tokens (a str is read as its characters)."""
    if isinstance(sequences, str) or not isinstance(sequences, Sequence | np.ndarray):
        raise ValueError("Expected a list of token sequences, such as [['the', 'cat'], ...].")
    checked = []
    for index, sequence in enumerate(sequences):
        if isinstance(sequence, str):
            checked.append(list(sequence))
            continue
        tokens = list(sequence)
        for token in tokens:
            if not isinstance(token, str):
                raise ValueError(
                    f"Sequence {index} holds a {type(token).__name__}; tokens must be text."
                )
        checked.append(tokens)
    return checked


def as_tag_arrays(tags, sequences: list[list[str]]) -> list[np.ndarray]:
    """Tags as int64 arrays, one per sequence and as long as it; ValueError naming a mismatch."""
    if len(tags) != len(sequences):
        raise ValueError(
            f"Expected one tag array per sequence; got {len(tags)} for {len(sequences)}."
        )
    arrays = []
    for index, (row, sequence) in enumerate(zip(tags, sequences, strict=True)):
        row = np.asarray(row)
        if row.shape != (len(sequence),):
            raise ValueError(
                f"Sequence {index} has {len(sequence)} tokens but tags shaped {row.shape}."
            )
        if len(row) and (not np.issubdtype(row.dtype, np.integer) or row.min() < 0):
            raise ValueError(f"Tags must be integers 0..k-1; sequence {index} has {row[:5]}.")
        arrays.append(row.astype(np.int64))
    return arrays


def token_vocabulary(sequences: list[list[str]], max_size: int, min_count: int) -> list[str]:
    """Training tokens seen at least `min_count` times, most frequent first (ties by token),
    at most `max_size` of them."""
    counts = Counter(token for sequence in sequences for token in sequence)
    ranked = sorted((item for item in counts.items() if item[1] >= min_count), key=_by_count)
    return [token for token, _ in ranked[:max_size]]


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def split_rows(rows: np.ndarray, sequences: list) -> list[np.ndarray]:
    """Rows for all tokens of all sequences, cut back into one block per sequence."""
    if not sequences:
        return []
    return np.split(rows, np.cumsum([len(sequence) for sequence in sequences])[:-1])
