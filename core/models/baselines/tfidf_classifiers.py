"""The text baselines: TF-IDF + logistic regression, and TF-IDF nearest neighbours.

"Start with the simple solution": a linear model on word and character n-grams is the usual
bar a neural text classifier must clear, and nearest neighbours by cosine similarity asks
whether text similarity alone is enough. Both save plain arrays (np.savez, no pickle).
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.configs import SearchRange, setting
from core.errors import TrainingStopped
from core.models.baselines.logistic_rounds import (
    INVERSE_REGULARIZATION,
    ROUNDS,
    LogisticRoundsConfig,
    fit_in_rounds,
    logistic_arrays,
    logistic_from_arrays,
    logistic_param_count,
)
from core.models.baselines.tfidf_features import (
    FEATURES,
    TfidfConfig,
    TfidfFeatures,
    top_similar,
)
from core.models.classifiers import TextClassifier, as_texts
from core.models.string_arrays import pack_strings, unpack_strings
from core.progress import TrainingObserver

CLASS_WEIGHTS = ("none", "balanced")
WEIGHTINGS = ("similarity", "uniform")
# Neighbour votes are smoothed towards the class frequencies by this much similarity, so a
# text sharing no term with any training text gets the prior instead of 0/0, and no
# probability is exactly 0 (which would make the log loss infinite).
PRIOR_WEIGHT = 0.05


@dataclass(frozen=True)
class TfidfLogisticConfig(TfidfConfig, LogisticRoundsConfig):
    # Words and characters together beat words alone on every bundled text set
    # (bench/README.md, training_time.py, "Text classification").
    features: str = FEATURES.field("words+characters")
    inverse_regularization: float = INVERSE_REGULARIZATION.field(10.0)
    class_weight: str = setting(
        "none",
        "balanced weighs each class inversely to its frequency.",
        choices=CLASS_WEIGHTS,
        search=SearchRange(choices=CLASS_WEIGHTS),
    )
    epochs: int = ROUNDS.field(20)


@dataclass(frozen=True)
class TfidfNeighboursConfig(TfidfConfig):
    neighbours: int = setting(
        5,
        "k: how many of the most similar training texts vote.",
        minimum=1,
        maximum=1000,
        hosted_maximum=200,
        search=SearchRange(1, 50, log=True),
    )
    weighting: str = setting(
        "similarity",
        "similarity: each vote counts its cosine similarity; uniform: one vote each.",
        choices=WEIGHTINGS,
        search=SearchRange(choices=WEIGHTINGS),
    )


class TfidfLogisticRegression(TextClassifier):
    """Logistic regression on TF-IDF n-gram features."""

    config_class = TfidfLogisticConfig
    artifact_suffix = ".npz"

    def _fit_encoded(self, config, X, y, validation, observer: TrainingObserver) -> None:
        self.features_ = TfidfFeatures(config)
        matrix = self.features_.fit_transform(X)
        if validation is not None:
            validation = (self.features_.transform(validation[0]), validation[1])
        self.estimator_, self.stopped_ = fit_in_rounds(
            matrix,
            y,
            validation,
            config,
            seed=self.random_state,
            observer=observer,
            history=self.history_,
            class_weight=None if config.class_weight == "none" else "balanced",
        )

    def predict_proba(self, X) -> np.ndarray:
        return self.estimator_.predict_proba(self.features_.transform(as_texts(X)))

    def count_params(self) -> int:
        return logistic_param_count(self.estimator_)

    def _write(self, path: Path) -> None:
        with open(path, "wb") as stream:
            np.savez_compressed(
                stream, **logistic_arrays(self.estimator_), **self.features_.arrays()
            )

    def _read(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as arrays:
            self.features_ = TfidfFeatures.from_arrays(self.resolved_config, arrays)
            self.estimator_ = logistic_from_arrays(arrays, len(self.classes_))


class TfidfNearestNeighbours(TextClassifier):
    """k nearest training texts by TF-IDF cosine similarity vote for the label.

    After `fit`, `nearest(texts, count)` also names the most similar training texts, which
    is how a user sees why it answered as it did.
    """

    config_class = TfidfNeighboursConfig
    artifact_suffix = ".npz"

    def _fit_encoded(self, config, X, y, validation, observer: TrainingObserver) -> None:
        observer.on_train_begin(1, 1)
        if observer.should_stop():
            raise TrainingStopped("Stopped before the training texts were indexed.")
        started = time.perf_counter()
        self.features_ = TfidfFeatures(config)
        self.train_matrix_ = self.features_.fit_transform(X)
        self.train_labels_ = y
        self.train_texts_ = X
        self.prior_ = np.bincount(y, minlength=len(self.classes_)) / len(y)
        # Training scores leave each text out of its own vote; otherwise they are trivially 1.
        logs = self._scores(self._probabilities(self.train_matrix_, exclude_self=True), y)
        if validation is not None:
            validation_probabilities = self._probabilities(self.features_.transform(validation[0]))
            logs.update(
                {
                    f"val_{name}": value
                    for name, value in self._scores(validation_probabilities, validation[1]).items()
                }
            )
        logs["seconds"] = time.perf_counter() - started
        record = {"epoch": 1, "complete": True, **logs}
        self.history_.append(record)
        observer.on_batch_end(1, 1, logs)
        observer.on_epoch_end(1, record)

    @staticmethod
    def _scores(probabilities: np.ndarray, y: np.ndarray) -> dict:
        from sklearn.metrics import log_loss

        labels = np.arange(probabilities.shape[1])
        return {
            "loss": float(log_loss(y, probabilities, labels=labels)),
            "accuracy": float(np.mean(np.argmax(probabilities, axis=1) == y)),
        }

    def _probabilities(self, matrix, exclude_self: bool = False) -> np.ndarray:
        config = self.resolved_config
        indices, similarities = top_similar(
            matrix, self.train_matrix_, config.neighbours, exclude_self
        )
        votes = np.clip(similarities, 0.0, None)
        if config.weighting == "uniform":
            votes = (votes > 0).astype(np.float64)
        scores = np.zeros((matrix.shape[0], len(self.classes_)))
        np.add.at(scores, (np.arange(len(indices))[:, None], self.train_labels_[indices]), votes)
        scores += PRIOR_WEIGHT * self.prior_
        return scores / scores.sum(axis=1, keepdims=True)

    def predict_proba(self, X) -> np.ndarray:
        return self._probabilities(self.features_.transform(as_texts(X)))

    def nearest(self, texts, count: int = 3) -> list[list[tuple[str, str, float]]]:
        """For each text: (training text, its class, cosine similarity), most similar first."""
        indices, similarities = top_similar(
            self.features_.transform(as_texts(texts)), self.train_matrix_, count
        )
        return [
            [
                (
                    str(self.train_texts_[index]),
                    str(self.classes_[self.train_labels_[index]]),
                    float(similarity),
                )
                for index, similarity in zip(row_indices, row_similarities, strict=True)
            ]
            for row_indices, row_similarities in zip(indices, similarities, strict=True)
        ]

    def count_params(self) -> int:
        """The stored numbers: every non-zero weight of the indexed training texts."""
        return int(self.train_matrix_.nnz)

    def _write(self, path: Path) -> None:
        matrix = self.train_matrix_
        texts, text_ends = pack_strings(self.train_texts_)
        with open(path, "wb") as stream:
            np.savez_compressed(
                stream,
                data=matrix.data,
                indices=matrix.indices,
                indptr=matrix.indptr,
                shape=np.asarray(matrix.shape),
                train_labels=self.train_labels_,
                train_texts=texts,
                train_text_ends=text_ends,
                prior=self.prior_,
                **self.features_.arrays(),
            )

    def _read(self, path: Path) -> None:
        from scipy.sparse import csr_matrix

        with np.load(path, allow_pickle=False) as arrays:
            self.features_ = TfidfFeatures.from_arrays(self.resolved_config, arrays)
            self.train_matrix_ = csr_matrix(
                (arrays["data"], arrays["indices"], arrays["indptr"]),
                shape=tuple(arrays["shape"]),
            )
            self.train_labels_ = arrays["train_labels"]
            self.train_texts_ = np.asarray(
                unpack_strings(arrays["train_texts"], arrays["train_text_ends"]), dtype=object
            )
            self.prior_ = arrays["prior"]
